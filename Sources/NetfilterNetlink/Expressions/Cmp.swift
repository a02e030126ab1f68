import CNetfilter

/// Relational operators of `cmp` (and `eq`/`neq` of `range`).
public enum CompareOperator: UInt32, Hashable, Sendable {
    case eq = 0, neq, lt, lte, gt, gte

    var text: String {
        switch self {
        case .eq: return "eq"
        case .neq: return "neq"
        case .lt: return "lt"
        case .lte: return "lte"
        case .gt: return "gt"
        case .gte: return "gte"
        }
    }
}

/// `cmp OP reg DATA`: the rule stops matching unless the register compares as stated.
public struct Cmp: ExpressionKind {
    public var source: Register
    public var op: CompareOperator
    public var data: RegisterData

    public init(_ op: CompareOperator, _ data: RegisterData, source: Register = .r1) {
        self.source = source
        self.op = op
        self.data = data
    }

    static let kindName = "cmp"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_CMP_SREG, source)
        expr.set(NFTNL_EXPR_CMP_OP, op.rawValue)
        expr.set(NFTNL_EXPR_CMP_DATA, data)
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        source = expr.register(NFTNL_EXPR_CMP_SREG)
        op = CompareOperator(rawValue: expr.u32(NFTNL_EXPR_CMP_OP)) ?? .eq
        data = expr.data(NFTNL_EXPR_CMP_DATA)
    }

    var text: String { "cmp \(op.text) \(source) \(data)" }
}
