/// The IP family of an address, prefix, Service or ruleset.
public enum IPFamily: String, Sendable, Hashable, CaseIterable, Comparable {
    case ipv4 = "IPv4"
    case ipv6 = "IPv6"

    public static func < (lhs: IPFamily, rhs: IPFamily) -> Bool {
        lhs == .ipv4 && rhs == .ipv6
    }

    /// Number of bits in an address of this family.
    public var bitWidth: Int { self == .ipv4 ? 32 : 128 }
}

/// An IPv4 or IPv6 address held as plain integers, so that copying, hashing and comparing
/// it never allocates (rules carry millions of them at scale).
public enum IPAddress: Sendable, Hashable, Comparable {
    case v4(UInt32)
    /// High and low 64 bits, network order.
    case v6(UInt64, UInt64)

    public var family: IPFamily {
        switch self {
        case .v4: return .ipv4
        case .v6: return .ipv6
        }
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (embedded IPv4 tail allowed).
    /// Leading zeros in IPv4 octets are rejected, as Go's `net.ParseIP` does since 1.17.
    public init?(_ text: String) {
        var text = text
        if let parsed = text.withUTF8({ IPAddress.parse($0) }) {
            self = parsed
        } else {
            return nil
        }
    }

    /// `init?(_:)` of a text given as its UTF-8 bytes (a decoder's input, read in place): the
    /// same parser, so the same acceptance, without making a String.
    public init?(utf8 text: UnsafeBufferPointer<UInt8>) {
        guard let parsed = IPAddress.parse(text) else { return nil }
        self = parsed
    }

    public init?<S: StringProtocol>(_ text: S) {
        self.init(String(text))
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        // IPv4 first: a text with a colon is never one, so only a refused text is searched
        // for a colon (every endpoint address of a large input passes here).
        if let v4 = parseV4(bytes[...]) { return .v4(v4) }
        if bytes.contains(UInt8(ascii: ":")) {
            return parseV6(bytes).map { .v6($0.0, $0.1) }
        }
        return nil
    }

    static func parseV4(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        var leadingZero = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits == 1 && leadingZero { return nil }
                if digits == 0 { leadingZero = byte == UInt8(ascii: "0") }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if digits > 3 || octet > 255 { return nil }
            case UInt8(ascii: "."):
                if digits == 0 || dots == 3 { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            default:
                return nil
            }
        }
        if digits == 0 || dots != 3 { return nil }
        return value << 8 | octet
    }

    static func parseV6(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        var groups = [UInt16](repeating: 0, count: 8)
        var count = 0
        var gapAt: Int? = nil
        var index = bytes.startIndex
        let end = bytes.endIndex
        if end - index >= 2 && bytes[index] == UInt8(ascii: ":") {
            guard bytes[index + 1] == UInt8(ascii: ":") else { return nil }
            gapAt = 0
            index += 2
            if index == end { return (0, 0) }
        }
        while index < end {
            if count == 8 { return nil }
            // An embedded IPv4 tail takes the last two groups.
            var probe = index
            while probe < end && bytes[probe] != UInt8(ascii: ":") { probe += 1 }
            if probe == end, bytes[index..<probe].contains(UInt8(ascii: ".")) {
                guard count <= 6, let v4 = parseV4(bytes[index..<probe]) else { return nil }
                groups[count] = UInt16(v4 >> 16)
                groups[count + 1] = UInt16(v4 & 0xffff)
                count += 2
                index = end
                break
            }
            var group: UInt32 = 0
            var digits = 0
            while index < end, let nibble = hexValue(bytes[index]) {
                group = group << 4 | UInt32(nibble)
                digits += 1
                index += 1
                if digits > 4 { return nil }
            }
            if digits == 0 { return nil }
            groups[count] = UInt16(group)
            count += 1
            if index == end { break }
            guard bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < end && bytes[index] == UInt8(ascii: ":") {
                if gapAt != nil { return nil }
                gapAt = count
                index += 1
                if index == end { break }
            } else if index == end {
                return nil
            }
        }
        if let gap = gapAt {
            if count == 8 { return nil }
            let tail = Array(groups[gap..<count])
            for i in gap..<8 { groups[i] = 0 }
            for (offset, group) in tail.enumerated() { groups[8 - tail.count + offset] = group }
        } else if count != 8 {
            return nil
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<4 { high = high << 16 | UInt64(groups[i]) }
        for i in 4..<8 { low = low << 16 | UInt64(groups[i]) }
        return (high, low)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The 16 bytes (IPv6) or 4 bytes (IPv4) in network order.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value):
            return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let high, let low):
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    /// The eight 16-bit groups of an IPv6 address.
    var groups: [UInt16] {
        guard case .v6(let high, let low) = self else { return [] }
        return (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * $0)) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * $0)) }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): return a < b
        case (.v6(let ah, let al), .v6(let bh, let bl)): return (ah, al) < (bh, bl)
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }

    public var isLoopback: Bool {
        switch self {
        case .v4(let value): return value >> 24 == 127
        case .v6(let high, let low): return high == 0 && low == 1
        }
    }
}
