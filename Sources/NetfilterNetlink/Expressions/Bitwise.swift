import CNetfilter

/// `bitwise reg = (reg & MASK) ^ XOR`: masks a prefix or a mark before a compare.
public struct Bitwise: ExpressionKind {
    public var source: Register
    public var destination: Register
    public var mask: RegisterData
    public var xor: RegisterData

    public init(mask: RegisterData, xor: RegisterData, source: Register = .r1, destination: Register = .r1) {
        precondition(mask.count == xor.count, "bitwise mask and xor must have the same length")
        self.source = source
        self.destination = destination
        self.mask = mask
        self.xor = xor
    }

    public var length: Int { mask.count }

    static let kindName = "bitwise"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_BITWISE_SREG, source)
        expr.set(NFTNL_EXPR_BITWISE_DREG, destination)
        expr.set(NFTNL_EXPR_BITWISE_LEN, UInt32(mask.count))
        expr.set(NFTNL_EXPR_BITWISE_MASK, mask)
        expr.set(NFTNL_EXPR_BITWISE_XOR, xor)
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        source = expr.register(NFTNL_EXPR_BITWISE_SREG)
        destination = expr.register(NFTNL_EXPR_BITWISE_DREG)
        mask = expr.data(NFTNL_EXPR_BITWISE_MASK)
        xor = expr.data(NFTNL_EXPR_BITWISE_XOR)
    }

    var text: String { "bitwise \(destination) = ( \(source) & \(mask) ) ^ \(xor)" }
}
