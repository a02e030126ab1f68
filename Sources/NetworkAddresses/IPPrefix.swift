import TextOutput

/// An address with a prefix length (CIDR notation). The address keeps whatever host bits
/// were written; `network` clears them.
public struct IPPrefix: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let address: IPAddress
    public let length: Int

    public init?(address: IPAddress, length: Int) {
        guard length >= 0 && length <= address.family.bitWidth else { return nil }
        self.address = address
        self.length = length
    }

    /// A prefix covering exactly one address (/32 or /128).
    public init(host: IPAddress) {
        self.address = host
        self.length = host.family.bitWidth
    }

    /// Parses `ADDRESS/LENGTH`. The length must be plain decimal without leading zeros.
    public init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/"),
              let address = IPAddress(text[..<slash]) else { return nil }
        let digits = text[text.index(after: slash)...]
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy(\.isASCII),
              digits.allSatisfy(\.isNumber), !(digits.count > 1 && digits.first == "0"),
              let length = Int(digits) else { return nil }
        self.init(address: address, length: length)
    }

    public var family: IPFamily { address.family }

    public var isHost: Bool { length == family.bitWidth }

    /// The prefix with host bits cleared (`203.0.113.5/25` → `203.0.113.0/25`).
    public var network: IPPrefix {
        IPPrefix(masked: address.masked(to: length), length: length)
    }

    private init(masked: IPAddress, length: Int) {
        self.address = masked
        self.length = length
    }

    public func contains(_ other: IPAddress) -> Bool {
        other.family == family && other.masked(to: length) == address.masked(to: length)
    }

    /// True when every address of `other` lies inside this prefix.
    public func contains(_ other: IPPrefix) -> Bool {
        other.family == family && other.length >= length && contains(other.address)
    }

    public var description: String { "\(address)/\(length)" }

    public func write(to buffer: inout ByteBuffer) {
        address.write(to: &buffer)
        buffer.append(UInt8(ascii: "/"))
        buffer.appendDecimal(UInt64(length))
    }

    public static func < (lhs: IPPrefix, rhs: IPPrefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}

extension IPAddress {
    /// The address with all bits after the first `length` cleared.
    public func masked(to length: Int) -> IPAddress {
        switch self {
        case .v4(let value):
            if length <= 0 { return .v4(0) }
            if length >= 32 { return self }
            return .v4(value & ~(UInt32.max >> UInt32(length)))
        case .v6(let high, let low):
            if length <= 0 { return .v6(0, 0) }
            if length >= 128 { return self }
            if length <= 64 {
                let mask = length == 64 ? UInt64.max : ~(UInt64.max >> UInt64(length))
                return .v6(high & mask, 0)
            }
            return .v6(high, low & ~(UInt64.max >> UInt64(length - 64)))
        }
    }
}
