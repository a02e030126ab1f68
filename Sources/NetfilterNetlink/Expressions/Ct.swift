import CNetfilter

/// `ct load KEY => reg`: connection-tracking data such as the state bitmask.
public struct Ct: ExpressionKind {
    public struct Key: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let state = Key(rawValue: NFT_CT_STATE.rawValue)
        public static let status = Key(rawValue: NFT_CT_STATUS.rawValue)
        public static let mark = Key(rawValue: NFT_CT_MARK.rawValue)

        var text: String {
            switch self {
            case .state: return "state"
            case .status: return "status"
            case .mark: return "mark"
            default: return "key \(rawValue)"
            }
        }
    }

    public var key: Key
    public var destination: Register?
    public var source: Register?
    /// 0 = original, 1 = reply; only for keys that differ per direction.
    public var direction: UInt8?

    public init(key: Key, destination: Register? = .r1, source: Register? = nil, direction: UInt8? = nil) {
        self.key = key
        self.destination = destination
        self.source = source
        self.direction = direction
    }

    static let kindName = "ct"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_CT_KEY, key.rawValue)
        if let destination { expr.set(NFTNL_EXPR_CT_DREG, destination) }
        if let source { expr.set(NFTNL_EXPR_CT_SREG, source) }
        if let direction { expr.set(NFTNL_EXPR_CT_DIR, u8: direction) }
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        key = Key(rawValue: expr.u32(NFTNL_EXPR_CT_KEY))
        destination = expr.optionalRegister(NFTNL_EXPR_CT_DREG)
        source = expr.optionalRegister(NFTNL_EXPR_CT_SREG)
        direction = expr.has(NFTNL_EXPR_CT_DIR) ? expr.u8(NFTNL_EXPR_CT_DIR) : nil
    }

    var text: String {
        if let source { return "ct set \(key.text) with \(source)" }
        return "ct load \(key.text) => \(destination ?? .r1)"
    }
}
