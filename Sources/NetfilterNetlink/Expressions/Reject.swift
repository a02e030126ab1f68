import CNetfilter

/// `reject`: native reject with an ICMP error or a TCP reset.
public struct Reject: ExpressionKind {
    public enum Kind: UInt32, Hashable, Sendable {
        case icmpUnreachable = 0, tcpReset = 1, icmpxUnreachable = 2
    }

    public var kind: Kind
    /// The ICMP code (3 = port unreachable for ICMPv4, 4 for ICMPv6).
    public var code: UInt8

    public init(kind: Kind, code: UInt8) {
        self.kind = kind
        self.code = code
    }

    static let kindName = "reject"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_REJECT_TYPE, kind.rawValue)
        expr.set(NFTNL_EXPR_REJECT_CODE, u8: code)
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        kind = Kind(rawValue: expr.u32(NFTNL_EXPR_REJECT_TYPE)) ?? .icmpUnreachable
        code = expr.u8(NFTNL_EXPR_REJECT_CODE)
    }

    var text: String { "reject type \(kind.rawValue) code \(code)" }
}
