/// nftables table families. iptables tables have none of their own: their family is the
/// ruleset's, so `Table.family` stays nil for them.
public enum TableFamily: String, Sendable, Hashable, CaseIterable {
    case ip, ip6, inet, arp, bridge, netdev
}

/// nftables base-chain types: what a base chain may do (`nat` chains see only the first
/// packet of a connection; `route` chains re-route after changing marks or addresses).
public enum ChainType: String, Sendable, Hashable, CaseIterable {
    case filter, nat, route
}

/// The priorities netfilter registers its built-in users at, by the names nft gives them.
/// This is the one place their numbers are written down (ip, ip6 and inet families).
public enum StandardPriority: String, Sendable, Hashable, CaseIterable {
    case raw, mangle, dstnat, filter, security, srcnat

    /// NF_IP_PRI_RAW, _MANGLE, _NAT_DST, _FILTER, _SECURITY, _NAT_SRC.
    public var value: Int32 {
        switch self {
        case .raw: return -300
        case .mangle: return -150
        case .dstnat: return -100
        case .filter: return 0
        case .security: return 50
        case .srcnat: return 100
        }
    }
}

/// A base chain's priority as written: a standard priority plus an offset (`dstnat - 10`),
/// or a plain number. Lower runs first; `value` is what the kernel stores.
public struct ChainPriority: Sendable, Hashable, CustomStringConvertible {
    public let base: StandardPriority?
    public let offset: Int32

    public init(_ base: StandardPriority, offset: Int32 = 0) {
        self.base = base
        self.offset = offset
    }

    /// A priority given only as a number.
    public init(absolute value: Int32) {
        base = nil
        offset = value
    }

    public var value: Int32 { (base?.value ?? 0) + offset }

    /// nft's symbolic spelling: `dstnat`, `dstnat - 10`, `srcnat + 5`, or the number.
    public var description: String {
        guard let base else { return String(offset) }
        if offset == 0 { return base.rawValue }
        return base.rawValue + (offset < 0 ? " - " : " + ") + String(offset.magnitude)
    }

    /// Equal when the kernel would store the same number, however it was spelled.
    public static func == (lhs: ChainPriority, rhs: ChainPriority) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

extension Hook {
    /// The hook's nft keyword (`prerouting`, …).
    public var nftKeyword: String {
        switch self {
        case .prerouting: return "prerouting"
        case .input: return "input"
        case .forward: return "forward"
        case .output: return "output"
        case .postrouting: return "postrouting"
        }
    }
}
