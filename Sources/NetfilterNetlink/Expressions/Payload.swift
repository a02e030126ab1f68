import CNetfilter

/// `payload load LEN @ BASE + OFFSET => reg`: copies packet bytes into a register.
public struct Payload: ExpressionKind {
    public enum Base: UInt32, Hashable, Sendable {
        case link = 0, network = 1, transport = 2, inner = 3

        var text: String {
            switch self {
            case .link: return "link"
            case .network: return "network"
            case .transport: return "transport"
            case .inner: return "inner"
            }
        }
    }

    public var base: Base
    public var offset: UInt32
    public var length: UInt32
    public var destination: Register

    public init(base: Base, offset: UInt32, length: UInt32, destination: Register = .r1) {
        self.base = base
        self.offset = offset
        self.length = length
        self.destination = destination
    }

    static let kindName = "payload"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_PAYLOAD_DREG, destination)
        expr.set(NFTNL_EXPR_PAYLOAD_BASE, base.rawValue)
        expr.set(NFTNL_EXPR_PAYLOAD_OFFSET, offset)
        expr.set(NFTNL_EXPR_PAYLOAD_LEN, length)
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        base = Base(rawValue: expr.u32(NFTNL_EXPR_PAYLOAD_BASE)) ?? .link
        offset = expr.u32(NFTNL_EXPR_PAYLOAD_OFFSET)
        length = expr.u32(NFTNL_EXPR_PAYLOAD_LEN)
        destination = expr.register(NFTNL_EXPR_PAYLOAD_DREG)
    }

    var text: String { "payload load \(length)b @ \(base.text) header + \(offset) => \(destination)" }
}
