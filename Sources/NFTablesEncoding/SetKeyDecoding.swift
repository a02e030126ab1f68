import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Set keys back from the kernel's bytes: the inverse of `SetKeys.key`, for printing
/// elements the kernel holds (the `delete element` lines of a dry run).
public enum SetKeyDecoding {
    /// The components of `key` in a set of `keyType`, or nil when the bytes do not fit the
    /// type or a component is of a type PacketPath does not write.
    public static func components(_ key: [UInt8], keyType: UInt32) -> [KeyComponent]? {
        guard let types = keyTypes(keyType), key.count == Int(SetKeys.keyLength(types)) else { return nil }
        var components: [KeyComponent] = []
        var offset = 0
        for type in types {
            let width = Int(SetKeys.length(type))
            let bytes = key[offset..<offset + width]
            switch type {
            case .ipv4Address, .ipv6Address:
                guard let address = address(bytes) else { return nil }
                components.append(.address(address))
            case .inetProto:
                guard let proto = L4Protocol.allCases.first(where: { $0.number == bytes.first }) else { return nil }
                components.append(.l4Protocol(proto))
            case .inetService:
                components.append(.port(UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])))
            case .mark:
                return nil
            }
            offset += types.count > 1 ? (width + 3) / 4 * 4 : width
        }
        return components
    }

    /// A concatenation's type numbers, six bits each, first component highest; nil for a type
    /// PacketPath does not write.
    static func keyTypes(_ keyType: UInt32) -> [SetDataType]? {
        var types: [SetDataType] = []
        var rest = keyType
        while rest != 0 {
            guard let type = SetKeys.dataType(rest & 0x3f) else { return nil }
            types.insert(type, at: 0)
            rest >>= 6
        }
        return types.isEmpty ? nil : types
    }

    /// An address from its 4 or 16 bytes in network order.
    static func address<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> IPAddress? {
        switch bytes.count {
        case 4: return .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16: return .v6(bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }, bytes.suffix(8).reduce(0) { $0 << 8 | UInt64($1) })
        default: return nil
        }
    }
}

extension SetKeys {
    /// The data type of nft's type number, for the types PacketPath writes.
    static func dataType(_ number: UInt32) -> SetDataType? {
        SetDataType.allCases.first { typeNumber($0) == number }
    }
}
