import NetworkAddresses

/// Transport protocols rules can match on.
public enum L4Protocol: String, Sendable, Hashable, CaseIterable, Comparable {
    case tcp, udp, sctp

    /// IANA protocol number.
    public var number: UInt8 {
        switch self {
        case .tcp: return 6
        case .udp: return 17
        case .sctp: return 132
        }
    }

    public static func < (lhs: L4Protocol, rhs: L4Protocol) -> Bool {
        lhs.number < rhs.number
    }
}

/// An address a rule compares against: a single host or a whole prefix. Both mean the same
/// to the kernel; the distinction only decides how the address is written
/// (`-d 10.96.0.1` versus `-s 10.0.0.0/8`, or `1.2.3.4/32` when the user wrote a /32).
public enum AddressMatch: Sendable, Hashable, CustomStringConvertible {
    case host(IPAddress)
    case prefix(IPPrefix)

    public var asPrefix: IPPrefix {
        switch self {
        case .host(let address): return IPPrefix(host: address)
        case .prefix(let prefix): return prefix
        }
    }

    public var family: IPFamily { asPrefix.family }

    public func contains(_ address: IPAddress) -> Bool { asPrefix.contains(address) }

    public var description: String {
        switch self {
        case .host(let address): return address.description
        case .prefix(let prefix): return prefix.description
        }
    }
}

/// An inclusive port range; a single port has `first == last`.
public struct PortRange: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let first: UInt16
    public let last: UInt16

    public init(_ port: UInt16) {
        first = port
        last = port
    }

    public init?(first: UInt16, last: UInt16) {
        guard first <= last else { return nil }
        self.first = first
        self.last = last
    }

    public func contains(_ port: UInt16) -> Bool { first <= port && port <= last }

    public var description: String { first == last ? "\(first)" : "\(first):\(last)" }

    public static func < (lhs: PortRange, rhs: PortRange) -> Bool {
        (lhs.first, lhs.last) < (rhs.first, rhs.last)
    }
}

/// Connection-tracking states (`ct state` / `-m conntrack --ctstate`).
public enum ConntrackState: String, Sendable, Hashable, CaseIterable {
    case invalid = "INVALID"
    case new = "NEW"
    case established = "ESTABLISHED"
    case related = "RELATED"
    case untracked = "UNTRACKED"
    case snat = "SNAT"
    case dnat = "DNAT"
}

/// Which address an address-type match looks at.
public enum PacketDirection: String, Sendable, Hashable {
    case source, destination
}

/// Routing address types (`-m addrtype`, nft `fib ... type`).
public enum AddressType: String, Sendable, Hashable {
    case local = "LOCAL"
}

/// A firewall-mark value as a number plus the spelling it was configured with: kube-proxy
/// prints its masquerade mark verbatim (`0x4000` in tests, `0x004000` when derived from
/// `masqueradeBit`), so the spelling is part of the output.
public struct MarkValue: Sendable, Hashable, CustomStringConvertible {
    public let value: UInt32
    public let spelling: String

    public init(_ value: UInt32, spelling: String? = nil) {
        self.value = value
        self.spelling = spelling ?? "0x" + String(value, radix: 16)
    }

    /// Reads a mark written as `0x…` hexadecimal or as decimal, keeping the spelling.
    public init?(parsing text: String) {
        let lower = text.lowercased()
        guard let value = lower.hasPrefix("0x") ? UInt32(lower.dropFirst(2), radix: 16) : UInt32(lower) else {
            return nil
        }
        self.init(value, spelling: text)
    }

    public var description: String { spelling }

    public static func == (lhs: MarkValue, rhs: MarkValue) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

/// The xt_recent operations kube-proxy uses for ClientIP session affinity: `set` records the
/// source address in the named list, `check` matches sources seen within `seconds`.
public enum RecentOperation: Sendable, Hashable {
    case set
    case check(seconds: UInt32, reap: Bool)
}

/// Packet fields that set lookups and verdict maps can be keyed on (nftables).
public enum PacketField: String, Sendable, Hashable {
    case sourceAddress, destinationAddress, l4Protocol, sourcePort, destinationPort
}

/// One condition of a rule. Conditions are evaluated in order and all must hold.
///
/// The order is kept exactly as a compiler emitted it, because iptables' restore text
/// prints options in rule order. The cases with a comment saying "nftables" have no plain
/// iptables spelling; printers for iptables reject rules that use them.
public enum Match: Sendable, Hashable {
    case source(AddressMatch, negated: Bool = false)
    case destination(AddressMatch, negated: Bool = false)
    /// Transport protocol; iptables needs it before any port match.
    case l4Protocol(L4Protocol)
    case destinationPort(PortRange, negated: Bool = false)
    case sourcePort(PortRange, negated: Bool = false)
    /// A comment attached to the rule at this position.
    case comment(Comment)
    case addressType(PacketDirection, AddressType, negated: Bool = false)
    /// Matches when the connection's state is one of `states`.
    case conntrackState([ConntrackState], negated: Bool = false)
    /// `(mark & mask) == value`.
    case mark(MarkValue, mask: MarkValue, negated: Bool = false)
    /// Matches with the given probability (independently per packet/connection).
    case statistic(Probability)
    /// Session-affinity list `name` (xt_recent): record or check the source address.
    case recent(name: ChainName, RecentOperation)
    /// nftables: the packet's key (one field or a concatenation) is in the named set.
    case inSet(fields: [PacketField], set: ChainName, negated: Bool = false)
    /// nftables: the packet's `field` is (`negated`: is not) one of `elements`, an anonymous
    /// set written into the rule (`ip saddr != { 203.0.113.0/25 }`).
    case inAnonymousSet(field: PacketField, elements: [KeyComponent], negated: Bool = false)
    /// nftables statement: add the packet's key to the named set, or refresh its timeout
    /// (`update @set { ip saddr }`); always holds. The nft form of `recent(name:, .set)`.
    case updateSet(fields: [PacketField], set: ChainName)
    /// The packet's input or output interface (`-i`/`-o`, `+` wildcards).
    case interface(InterfaceDirection, InterfaceName, negated: Bool = false)
    /// A condition the model cannot evaluate (another match module or option), kept as the
    /// dump spelt it (`-m set --match-set cali40all-hosts dst`) so it can be shown and
    /// compared; a trace takes both ways at it.
    case unrecognized(String)

    /// The comment carried by this match, if it is one.
    public var comment: Comment? {
        if case .comment(let comment) = self { return comment }
        return nil
    }
}
