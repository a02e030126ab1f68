import CNetfilter

/// `numgen random|inc mod N [+ offset] => reg`: a number for load balancing.
public struct Numgen: ExpressionKind {
    public enum Kind: UInt32, Hashable, Sendable {
        case incremental = 0, random = 1
    }

    public var kind: Kind
    public var modulus: UInt32
    public var offset: UInt32
    public var destination: Register

    public init(kind: Kind = .random, modulus: UInt32, offset: UInt32 = 0, destination: Register = .r1) {
        self.kind = kind
        self.modulus = modulus
        self.offset = offset
        self.destination = destination
    }

    static let kindName = "numgen"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_NG_DREG, destination)
        expr.set(NFTNL_EXPR_NG_MODULUS, modulus)
        expr.set(NFTNL_EXPR_NG_TYPE, kind.rawValue)
        expr.set(NFTNL_EXPR_NG_OFFSET, offset)
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        kind = Kind(rawValue: expr.u32(NFTNL_EXPR_NG_TYPE)) ?? .random
        modulus = expr.u32(NFTNL_EXPR_NG_MODULUS)
        offset = expr.has(NFTNL_EXPR_NG_OFFSET) ? expr.u32(NFTNL_EXPR_NG_OFFSET) : 0
        destination = expr.register(NFTNL_EXPR_NG_DREG)
    }

    var text: String {
        "numgen \(destination) = \(kind == .random ? "random" : "inc") mod \(modulus)\(offset == 0 ? "" : " offset \(offset)")"
    }
}
