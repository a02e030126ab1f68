import CNetfilter

/// `lookup reg set NAME [dreg]`: set membership, or a map lookup into `destination`
/// (register 0 makes it a verdict map).
public struct Lookup: ExpressionKind {
    public var source: Register
    public var destination: Register?
    public var set: ObjectName
    /// Refers to a set created in the same batch.
    public var setID: UInt32?
    public var inverted: Bool

    public init(set: ObjectName, setID: UInt32? = nil, source: Register = .r1, destination: Register? = nil,
                inverted: Bool = false) {
        self.source = source
        self.destination = destination
        self.set = set
        self.setID = setID
        self.inverted = inverted
    }

    static let kindName = "lookup"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_LOOKUP_SREG, source)
        if let destination { expr.set(NFTNL_EXPR_LOOKUP_DREG, destination) }
        expr.set(NFTNL_EXPR_LOOKUP_SET, set)
        if let setID { expr.set(NFTNL_EXPR_LOOKUP_SET_ID, setID) }
        if inverted { expr.set(NFTNL_EXPR_LOOKUP_FLAGS, UInt32(NFT_LOOKUP_F_INV.rawValue)) }
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        source = expr.register(NFTNL_EXPR_LOOKUP_SREG)
        destination = expr.optionalRegister(NFTNL_EXPR_LOOKUP_DREG)
        set = expr.name(NFTNL_EXPR_LOOKUP_SET)
        setID = nil
        inverted = expr.has(NFTNL_EXPR_LOOKUP_FLAGS)
            && expr.u32(NFTNL_EXPR_LOOKUP_FLAGS) & UInt32(NFT_LOOKUP_F_INV.rawValue) != 0
    }

    /// The set ID only links objects inside one batch; the kernel does not report it.
    public static func == (lhs: Lookup, rhs: Lookup) -> Bool {
        (lhs.source, lhs.destination, lhs.set, lhs.inverted) == (rhs.source, rhs.destination, rhs.set, rhs.inverted)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(destination)
        hasher.combine(set)
        hasher.combine(inverted)
    }

    var text: String {
        let target = destination.map { " dreg \($0.rawValue)" } ?? ""
        return "lookup \(source) set \(set)\(target)\(inverted ? " 0x1" : "")"
    }
}
