import CNetfilter

/// `dynset add|update|delete reg_key @set`: the data path adds elements to a set (ClientIP
/// affinity: `update @affinity-… { ip saddr }`).
public struct Dynset: ExpressionKind {
    public enum Operation: UInt32, Hashable, Sendable {
        case add = 0, update = 1, delete = 2
    }

    public var operation: Operation
    public var keySource: Register
    public var dataSource: Register?
    public var set: ObjectName
    public var setID: UInt32?
    /// Milliseconds; nil = the set's default.
    public var timeout: UInt64?

    public init(operation: Operation, set: ObjectName, setID: UInt32? = nil, keySource: Register = .r1,
                dataSource: Register? = nil, timeout: UInt64? = nil) {
        self.operation = operation
        self.keySource = keySource
        self.dataSource = dataSource
        self.set = set
        self.setID = setID
        self.timeout = timeout
    }

    static let kindName = "dynset"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_DYNSET_OP, operation.rawValue)
        expr.set(NFTNL_EXPR_DYNSET_SREG_KEY, keySource)
        if let dataSource { expr.set(NFTNL_EXPR_DYNSET_SREG_DATA, dataSource) }
        expr.set(NFTNL_EXPR_DYNSET_SET_NAME, set)
        if let setID { expr.set(NFTNL_EXPR_DYNSET_SET_ID, setID) }
        if let timeout { expr.set(NFTNL_EXPR_DYNSET_TIMEOUT, u64: timeout) }
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        operation = Operation(rawValue: expr.u32(NFTNL_EXPR_DYNSET_OP)) ?? .add
        keySource = expr.register(NFTNL_EXPR_DYNSET_SREG_KEY)
        dataSource = expr.optionalRegister(NFTNL_EXPR_DYNSET_SREG_DATA)
        set = expr.name(NFTNL_EXPR_DYNSET_SET_NAME)
        setID = nil
        let readTimeout = expr.has(NFTNL_EXPR_DYNSET_TIMEOUT) ? expr.u64(NFTNL_EXPR_DYNSET_TIMEOUT) : 0
        timeout = readTimeout == 0 ? nil : readTimeout
    }

    /// The set ID only links objects inside one batch; the kernel does not report it.
    public static func == (lhs: Dynset, rhs: Dynset) -> Bool {
        (lhs.operation, lhs.keySource, lhs.dataSource, lhs.set, lhs.timeout)
            == (rhs.operation, rhs.keySource, rhs.dataSource, rhs.set, rhs.timeout)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(operation)
        hasher.combine(keySource)
        hasher.combine(set)
    }

    var text: String {
        let name = ["add", "update", "delete"][Int(operation.rawValue)]
        return "dynset \(name) reg_key \(keySource.rawValue) set \(set)"
    }
}
