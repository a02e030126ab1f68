import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Set key types and key bytes as nft lays them out.
enum SetKeys {
    /// nft's data-type number of a key component.
    static func typeNumber(_ type: SetDataType) -> UInt32 {
        switch type {
        case .ipv4Address: return NetfilterSet.DataType.ipv4Address
        case .ipv6Address: return NetfilterSet.DataType.ipv6Address
        case .inetProto: return NetfilterSet.DataType.inetProtocol
        case .inetService: return NetfilterSet.DataType.inetService
        case .mark: return 19
        }
    }

    /// Unpadded width of one component.
    static func length(_ type: SetDataType) -> UInt32 {
        switch type {
        case .ipv4Address, .mark: return 4
        case .ipv6Address: return 16
        case .inetProto: return 1
        case .inetService: return 2
        }
    }

    /// A concatenation's type is its components' numbers, six bits each (nft's encoding).
    static func keyType(_ types: [SetDataType]) -> UInt32 {
        types.reduce(0) { ($0 << 6) | typeNumber($1) }
    }

    /// A single component keeps its width; concatenated ones are padded to 32 bits each.
    static func keyLength(_ types: [SetDataType]) -> UInt32 {
        guard types.count > 1 else { return types.first.map(length) ?? 0 }
        return types.reduce(0) { $0 + (length($1) + 3) / 4 * 4 }
    }

    /// nft's byte-order code of a key (user data): 2 big endian, 1 host, 0 for concatenations.
    static func byteOrder(_ types: [SetDataType]) -> UInt32 {
        guard types.count == 1 else { return 0 }
        switch types[0] {
        case .ipv4Address, .ipv6Address, .inetService: return 2
        case .inetProto, .mark: return 1
        }
    }

    static func bytes(_ component: KeyComponent) throws(NFTablesEncodingError) -> [UInt8] {
        switch component {
        case .address(let address): return address.bytes
        case .prefix(let prefix) where prefix.isHost: return prefix.address.bytes
        case .prefix(let prefix):
            throw NFTablesEncodingError("prefix \(prefix) in a set key needs an interval set")
        case .l4Protocol(let proto): return [proto.number]
        case .port(let port): return [UInt8(port >> 8), UInt8(port & 0xff)]
        }
    }

    /// A key's bytes: one component as it is, several each padded to 32 bits.
    static func key(_ components: [KeyComponent]) throws(NFTablesEncodingError) -> [UInt8] {
        if components.count == 1 { return try bytes(components[0]) }
        var out: [UInt8] = []
        for component in components {
            let value = try bytes(component)
            out += value
            out += [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
        }
        return out
    }
}

/// nft's set user data (`NFTNL_UDATA_SET_*` TLVs, values in host order).
enum SetUserData {
    static let keyByteOrder: UInt8 = 0
    static let dataByteOrder: UInt8 = 1
    static let mergeElements: UInt8 = 2
    static let keyTypeof: UInt8 = 3
    static let dataTypeof: UInt8 = 4
    static let dataInterval: UInt8 = 6
    static let comment: UInt8 = 7

    static func u32(_ type: UInt8, _ value: UInt32) -> [UInt8] {
        [type, 4] + withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func nested(_ type: UInt8, _ content: [UInt8]) -> [UInt8] {
        [type, UInt8(content.count)] + content
    }

    static func string(_ type: UInt8, _ text: String) -> [UInt8] {
        let bytes = Array(text.utf8.prefix(127))
        return [type, UInt8(bytes.count + 1)] + bytes + [0]
    }

    /// A typeof record: expression kind (nft's numbering), then its own data.
    static func typeof(_ type: UInt8, kind: UInt32, data: [UInt8]) -> [UInt8] {
        nested(type, u32(0, kind) + nested(1, data))
    }

    /// nft's expression-kind numbers that appear in typeof records.
    static let verdictKind: UInt32 = 1
    static let payloadKind: UInt32 = 7
    static let concatKind: UInt32 = 13
}

/// RuleModel has a `SetElement` of its own.
typealias KernelElement = NetfilterNetlink.SetElement
