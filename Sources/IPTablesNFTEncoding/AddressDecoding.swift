import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// `-s`/`-d` read back: `payload` of the address (or its leading bytes) [+ `bitwise` mask] +
/// `cmp eq|neq`, the inverse of `AddressEncoding`. A full-length prefix becomes a host, since
/// the kernel keeps no trace of whether `/32` was written; host bits come back cleared.
enum AddressDecoding {
    struct Decoded {
        let isSource: Bool
        let match: AddressMatch
        let negated: Bool
    }

    static func decode(_ payload: Payload, at index: Int, family: IPFamily,
                       reader: inout ExpressionReader) throws(ExpressionProblem) -> Decoded {
        let isSource: Bool
        switch payload.offset {
        case AddressEncoding.offset(source: true, family: family): isSource = true
        case AddressEncoding.offset(source: false, family: family): isSource = false
        default:
            throw ExpressionProblem("loads network header bytes at offset \(payload.offset), which is not the \(family.rawValue) source or destination address", at: index)
        }
        let what = isSource ? "the source address" : "the destination address"
        let width = family.bitWidth / 8
        let length = Int(payload.length)
        guard length >= 1, length <= width else {
            throw ExpressionProblem("loads \(payload.length) bytes of \(what), which has \(width)", at: index)
        }
        var prefixLength = 8 * length
        if let (maskIndex, mask) = try reader.mask(on: payload.destination, length: length, what: what) {
            guard let ones = leadingOnes(mask.bytes) else {
                throw ExpressionProblem("masks \(what) with \(mask), which is not a prefix mask", at: maskIndex)
            }
            prefixLength = ones
        }
        let (cmpIndex, cmp) = try reader.compare(after: index, register: payload.destination, what: what)
        guard cmp.op == .eq || cmp.op == .neq else {
            throw ExpressionProblem("compares \(what) with \"\(cmp.op)\"; only equal and not-equal are -s/-d", at: cmpIndex)
        }
        guard cmp.data.count == length else {
            throw ExpressionProblem("compares \(cmp.data.count) bytes against a \(length)-byte load of \(what)", at: cmpIndex)
        }
        guard prefixLength > 0 else {
            throw ExpressionProblem("compares no bits of \(what) (a /0 prefix)", at: cmpIndex)
        }
        let address = IPAddress(networkOrder: cmp.data.bytes, family: family)
        guard address.masked(to: prefixLength) == address else {
            throw ExpressionProblem("compares \(what) with \(address), which has bits set past its /\(prefixLength) mask", at: cmpIndex)
        }
        let match: AddressMatch = prefixLength == family.bitWidth
            ? .host(address) : .prefix(IPPrefix(address: address, length: prefixLength)!)
        return Decoded(isSource: isSource, match: match, negated: cmp.op == .neq)
    }

    /// The number of leading one bits when the mask is ones followed only by zeros.
    static func leadingOnes(_ bytes: [UInt8]) -> Int? {
        var count = 0
        var seenZero = false
        for byte in bytes {
            for bit in 0..<8 {
                let set = byte & (UInt8(0x80) >> UInt8(bit)) != 0
                if set && seenZero { return nil }
                if set { count += 1 } else { seenZero = true }
            }
        }
        return count
    }
}

extension IPAddress {
    /// An address from its leading bytes in network order, zero padded to the family's width.
    init(networkOrder bytes: [UInt8], family: IPFamily) {
        var words: [UInt64] = [0, 0]
        for (index, byte) in bytes.prefix(family.bitWidth / 8).enumerated() {
            words[index / 8] |= UInt64(byte) << (56 - 8 * UInt64(index % 8))
        }
        switch family {
        case .ipv4: self = .v4(UInt32(truncatingIfNeeded: words[0] >> 32))
        case .ipv6: self = .v6(words[0], words[1])
        }
    }
}
