import CNetfilter

/// `range OP reg FROM TO`: an inclusive range test (iptables-nft's port ranges).
public struct RangeExpression: ExpressionKind {
    public var source: Register
    /// Only `.eq` (inside) and `.neq` (outside) are valid.
    public var op: CompareOperator
    public var from: RegisterData
    public var to: RegisterData

    public init(_ op: CompareOperator, from: RegisterData, to: RegisterData, source: Register = .r1) {
        self.source = source
        self.op = op
        self.from = from
        self.to = to
    }

    static let kindName = "range"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_RANGE_SREG, source)
        expr.set(NFTNL_EXPR_RANGE_OP, op.rawValue)
        expr.set(NFTNL_EXPR_RANGE_FROM_DATA, from)
        expr.set(NFTNL_EXPR_RANGE_TO_DATA, to)
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        source = expr.register(NFTNL_EXPR_RANGE_SREG)
        op = CompareOperator(rawValue: expr.u32(NFTNL_EXPR_RANGE_OP)) ?? .eq
        from = expr.data(NFTNL_EXPR_RANGE_FROM_DATA)
        to = expr.data(NFTNL_EXPR_RANGE_TO_DATA)
    }

    var text: String { "range \(op.text) \(source) \(from) \(to)" }
}
