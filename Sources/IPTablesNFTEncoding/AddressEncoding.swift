import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// `-s`/`-d` as iptables-nft 1.8.9 writes them: a prefix whose length is a whole number of
/// bytes loads just those bytes (`/8` loads one); any other length loads the full address
/// and masks it with `bitwise` first. Host bits are cleared, as iptables does.
enum AddressEncoding {
    /// Offsets of the source and destination address in the IPv4 and IPv6 headers.
    static func offset(source: Bool, family: IPFamily) -> UInt32 {
        switch (family, source) {
        case (.ipv4, true): return 12
        case (.ipv4, false): return 16
        case (.ipv6, true): return 8
        case (.ipv6, false): return 24
        }
    }

    static func append(_ match: AddressMatch, source: Bool, negated: Bool, family: IPFamily,
                       to out: inout [Expression]) throws {
        let prefix = match.asPrefix
        guard prefix.family == family else {
            throw EncodingError("\(source ? "source" : "destination") \(match) is not an \(family) address")
        }
        let width = family.bitWidth
        let length = prefix.length
        guard length > 0 else {
            // iptables leaves a match-all address out; a negated one could never match.
            if negated { throw EncodingError("! \(source ? "-s" : "-d") \(prefix) can never match") }
            return
        }
        let masked = prefix.address.masked(to: length)
        let op: CompareOperator = negated ? .neq : .eq
        let loadLength = length % 8 == 0 ? length / 8 : width / 8
        out.append(.payload(Payload(base: .network, offset: offset(source: source, family: family),
                                    length: UInt32(loadLength))))
        if length % 8 != 0 {
            out.append(.bitwise(Bitwise(mask: bytes(of: IPAddress.allOnes(family).masked(to: length), count: loadLength),
                                        xor: bytes(of: IPAddress.zero(family), count: loadLength))))
        }
        out.append(.cmp(Cmp(op, bytes(of: masked, count: loadLength))))
    }

    /// The first `count` bytes of an address in network order.
    static func bytes(of address: IPAddress, count: Int) -> RegisterData {
        switch address {
        case .v4(let value): return .networkOrder(value, count: count)
        case .v6(let high, let low): return .networkOrder(high: high, low: low, count: count)
        }
    }
}

extension IPAddress {
    static func allOnes(_ family: IPFamily) -> IPAddress {
        family == .ipv4 ? .v4(.max) : .v6(.max, .max)
    }

    static func zero(_ family: IPFamily) -> IPAddress {
        family == .ipv4 ? .v4(0) : .v6(0, 0)
    }
}
