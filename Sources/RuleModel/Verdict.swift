import NetworkAddresses

/// ICMP error a REJECT sends. `nil` in `Verdict.reject` means the family's default
/// (port unreachable).
public enum RejectKind: String, Sendable, Hashable {
    case portUnreachable
    case tcpReset
    case adminProhibited
}

/// How a mark action changes the packet mark.
public enum MarkOperation: Sendable, Hashable {
    /// `mark |= value`
    case or(MarkValue)
    /// `mark ^= value`
    case xor(MarkValue)
    /// `mark = (mark & ~mask) ^ value` (iptables' `--set-xmark`): sets or clears the mask's bits.
    case set(MarkValue, mask: MarkValue)
}

/// What a rule does when all its matches hold.
///
/// Non-terminal actions (`setMark`) let the packet continue with the next rule. Cases marked
/// "nftables" have no iptables spelling.
public enum Verdict: Sendable, Hashable {
    case accept
    case drop
    case `return`
    case reject(RejectKind? = nil)
    case jump(ChainName)
    case goto(ChainName)
    /// Rewrite the destination to `address` (and `port`, when given).
    case dnat(IPAddress, port: UInt16?)
    /// Source NAT to the outgoing interface's address.
    case masquerade(randomFully: Bool)
    case setMark(MarkOperation)
    /// nftables: jump to the chain the map associates with the packet's key.
    case verdictMap(fields: [PacketField], map: ChainName)
    /// nftables: `numgen random mod N vmap { 0: goto A, 1: goto B, ... }` — a uniform choice
    /// among `targets` with a single random number.
    case randomChoice([ChainName])
    /// A target the model has no form for, kept as the dump spelt it (`-j LOG --log-prefix x`).
    case unrecognized(String)

    /// The target's name of an unrecognized verdict (`LOG`), nil for others.
    public var unrecognizedTarget: String? {
        guard case .unrecognized(let text) = self else { return nil }
        return text.split(separator: " ").dropFirst().first.map(String.init)
    }

    /// The chains this verdict may continue in.
    public var targetChains: [ChainName] {
        switch self {
        case .jump(let chain), .goto(let chain): return [chain]
        case .randomChoice(let chains): return chains
        default: return []
        }
    }
}
