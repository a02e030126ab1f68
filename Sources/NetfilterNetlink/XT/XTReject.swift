import CNetfilter

/// `-j REJECT --reject-with KIND` for IPv4 (rev 0, `struct ipt_reject_info`).
public struct XTRejectIPv4: XTInfo {
    /// An `enum ipt_reject_with` value.
    public var with: UInt32

    public static let portUnreachable = IPT_ICMP_PORT_UNREACHABLE.rawValue
    public static let tcpReset = IPT_TCP_RESET.rawValue
    public static let adminProhibited = IPT_ICMP_ADMIN_PROHIBITED.rawValue

    public init(with: UInt32) {
        self.with = with
    }

    static let name = "REJECT"
    static let revision: UInt32 = 0

    func fill(_ info: inout ipt_reject_info) {
        info.with = ipt_reject_with(rawValue: with)
    }

    init?(_ info: ipt_reject_info) {
        with = info.with.rawValue
    }
}

/// `-j REJECT --reject-with KIND` for IPv6 (rev 0, `struct ip6t_reject_info`).
public struct XTRejectIPv6: XTInfo {
    /// An `enum ip6t_reject_with` value.
    public var with: UInt32

    public static let portUnreachable = IP6T_ICMP6_PORT_UNREACH.rawValue
    public static let tcpReset = IP6T_TCP_RESET.rawValue
    public static let adminProhibited = IP6T_ICMP6_ADM_PROHIBITED.rawValue

    public init(with: UInt32) {
        self.with = with
    }

    static let name = "REJECT"
    static let revision: UInt32 = 0

    func fill(_ info: inout ip6t_reject_info) {
        info.with = with
    }

    init?(_ info: ip6t_reject_info) {
        with = info.with
    }
}
