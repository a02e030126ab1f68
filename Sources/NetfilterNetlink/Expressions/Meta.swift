import CNetfilter

/// `meta load KEY => reg` (or `meta set KEY with reg`): packet metadata such as the layer-4
/// protocol or the mark.
public struct Meta: ExpressionKind {
    public struct Key: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let mark = Key(rawValue: NFT_META_MARK.rawValue)
        public static let nfproto = Key(rawValue: NFT_META_NFPROTO.rawValue)
        public static let l4proto = Key(rawValue: NFT_META_L4PROTO.rawValue)
        // Interfaces: not written by PacketPath, but named when a read-back rule tests them.
        public static let iif = Key(rawValue: NFT_META_IIF.rawValue)
        public static let oif = Key(rawValue: NFT_META_OIF.rawValue)
        public static let iifname = Key(rawValue: NFT_META_IIFNAME.rawValue)
        public static let oifname = Key(rawValue: NFT_META_OIFNAME.rawValue)

        var text: String {
            switch self {
            case .mark: return "mark"
            case .nfproto: return "nfproto"
            case .l4proto: return "l4proto"
            case .iif: return "iif"
            case .oif: return "oif"
            case .iifname: return "iifname"
            case .oifname: return "oifname"
            default: return "key \(rawValue)"
            }
        }
    }

    public var key: Key
    public var destination: Register?
    public var source: Register?

    public init(key: Key, destination: Register? = .r1, source: Register? = nil) {
        self.key = key
        self.destination = destination
        self.source = source
    }

    static let kindName = "meta"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_META_KEY, key.rawValue)
        if let destination { expr.set(NFTNL_EXPR_META_DREG, destination) }
        if let source { expr.set(NFTNL_EXPR_META_SREG, source) }
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        key = Key(rawValue: expr.u32(NFTNL_EXPR_META_KEY))
        destination = expr.optionalRegister(NFTNL_EXPR_META_DREG)
        source = expr.optionalRegister(NFTNL_EXPR_META_SREG)
    }

    var text: String {
        if let source { return "meta set \(key.text) with \(source)" }
        return "meta load \(key.text) => \(destination ?? .r1)"
    }
}
