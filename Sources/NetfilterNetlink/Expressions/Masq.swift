import CNetfilter

/// `masq`: native source NAT to the outgoing interface's address.
public struct Masq: ExpressionKind {
    /// `NF_NAT_RANGE_*` flags (0x10 = fully random source ports).
    public var flags: UInt32
    public var protoMin: Register?
    public var protoMax: Register?

    public init(flags: UInt32 = 0, protoMin: Register? = nil, protoMax: Register? = nil) {
        self.flags = flags
        // As for `nat`: the kernel reports a missing maximum as the minimum.
        self.protoMin = protoMin
        self.protoMax = protoMax ?? protoMin
    }

    static let kindName = "masq"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        if flags != 0 { expr.set(NFTNL_EXPR_MASQ_FLAGS, flags) }
        if let protoMin { expr.set(NFTNL_EXPR_MASQ_REG_PROTO_MIN, protoMin) }
        if let protoMax { expr.set(NFTNL_EXPR_MASQ_REG_PROTO_MAX, protoMax) }
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        flags = expr.has(NFTNL_EXPR_MASQ_FLAGS) ? expr.u32(NFTNL_EXPR_MASQ_FLAGS) : 0
        protoMin = expr.optionalRegister(NFTNL_EXPR_MASQ_REG_PROTO_MIN)
        protoMax = expr.optionalRegister(NFTNL_EXPR_MASQ_REG_PROTO_MAX)
    }

    var text: String { flags == 0 ? "masq" : "masq flags 0x\(String(flags, radix: 16))" }
}
