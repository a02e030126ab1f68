import CNetfilter

/// A verdict as nf_tables encodes it.
public enum NetfilterVerdict: Hashable, Sendable, CustomStringConvertible {
    case accept
    case drop
    case `continue`
    case `break`
    case `return`
    case jump(ObjectName)
    case goto(ObjectName)

    /// The verdict code (`NF_ACCEPT`, `NF_DROP` or a negative `NFT_*`).
    var code: Int32 {
        switch self {
        case .accept: return 1
        case .drop: return 0
        case .continue: return NFT_CONTINUE.rawValue
        case .break: return NFT_BREAK.rawValue
        case .return: return NFT_RETURN.rawValue
        case .jump: return NFT_JUMP.rawValue
        case .goto: return NFT_GOTO.rawValue
        }
    }

    init?(code: Int32, chain: ObjectName?) {
        switch code {
        case 1: self = .accept
        case 0: self = .drop
        case NFT_CONTINUE.rawValue: self = .continue
        case NFT_BREAK.rawValue: self = .break
        case NFT_RETURN.rawValue: self = .return
        case NFT_JUMP.rawValue: self = .jump(chain ?? "")
        case NFT_GOTO.rawValue: self = .goto(chain ?? "")
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .accept: return "accept"
        case .drop: return "drop"
        case .continue: return "continue"
        case .break: return "break"
        case .return: return "return"
        case .jump(let chain): return "jump -> \(chain)"
        case .goto(let chain): return "goto -> \(chain)"
        }
    }
}

/// `immediate reg VALUE`: sets the verdict register (accept, drop, jump …) or loads a constant.
public struct Immediate: ExpressionKind {
    public enum Value: Hashable, Sendable {
        case verdict(NetfilterVerdict)
        case data(RegisterData)
    }

    public var destination: Register
    public var value: Value

    public init(verdict: NetfilterVerdict) {
        destination = .verdict
        value = .verdict(verdict)
    }

    public init(data: RegisterData, destination: Register) {
        self.destination = destination
        value = .data(data)
    }

    static let kindName = "immediate"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_IMM_DREG, destination)
        switch value {
        case .verdict(let verdict):
            expr.set(NFTNL_EXPR_IMM_VERDICT, UInt32(bitPattern: verdict.code))
            switch verdict {
            case .jump(let chain), .goto(let chain): expr.set(NFTNL_EXPR_IMM_CHAIN, chain)
            default: break
            }
        case .data(let data):
            expr.set(NFTNL_EXPR_IMM_DATA, data)
        }
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        destination = expr.register(NFTNL_EXPR_IMM_DREG)
        if expr.has(NFTNL_EXPR_IMM_VERDICT) {
            let chain = expr.has(NFTNL_EXPR_IMM_CHAIN) ? expr.name(NFTNL_EXPR_IMM_CHAIN) : nil
            let code = Int32(bitPattern: expr.u32(NFTNL_EXPR_IMM_VERDICT))
            value = .verdict(NetfilterVerdict(code: code, chain: chain) ?? .continue)
        } else {
            value = .data(expr.data(NFTNL_EXPR_IMM_DATA))
        }
    }

    var text: String {
        switch value {
        case .verdict(let verdict): return "immediate \(destination) \(verdict)"
        case .data(let data): return "immediate \(destination) \(data)"
        }
    }
}
