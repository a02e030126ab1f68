import CNetfilter

/// `counter`: packet and byte counts. Two counters are equal whatever they have counted, since
/// the counts are traffic, not configuration.
public struct Counter: ExpressionKind {
    public var packets: UInt64
    public var bytes: UInt64

    public init(packets: UInt64 = 0, bytes: UInt64 = 0) {
        self.packets = packets
        self.bytes = bytes
    }

    static let kindName = "counter"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_CTR_PACKETS, u64: packets)
        expr.set(NFTNL_EXPR_CTR_BYTES, u64: bytes)
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        packets = expr.u64(NFTNL_EXPR_CTR_PACKETS)
        bytes = expr.u64(NFTNL_EXPR_CTR_BYTES)
    }

    public static func == (lhs: Counter, rhs: Counter) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}

    var text: String { "counter pkts \(packets) bytes \(bytes)" }
}
