/// The nf_tables address families PacketPath programs (the `NFPROTO_*` numbers).
public enum NetfilterFamily: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case inet = 1
    case ipv4 = 2
    case ipv6 = 10

    /// The family keyword `nft` uses.
    public var description: String {
        switch self {
        case .inet: return "inet"
        case .ipv4: return "ip"
        case .ipv6: return "ip6"
        }
    }
}
