import CNetfilter

/// `nat snat|dnat`: native address translation from registers loaded by `immediate`.
public struct Nat: ExpressionKind {
    public enum Kind: UInt32, Hashable, Sendable {
        case snat = 0, dnat = 1
    }

    public var kind: Kind
    public var family: NetfilterFamily
    public var addressMin: Register?
    public var addressMax: Register?
    public var protoMin: Register?
    public var protoMax: Register?
    /// `NF_NAT_RANGE_*` flags.
    public var flags: UInt32

    public init(kind: Kind, family: NetfilterFamily, addressMin: Register? = nil, addressMax: Register? = nil,
                protoMin: Register? = nil, protoMax: Register? = nil, flags: UInt32 = 0) {
        self.kind = kind
        self.family = family
        // The kernel uses the minimum register as the maximum when none is given and reports
        // it that way, so normalise to the reported form.
        self.addressMin = addressMin
        self.addressMax = addressMax ?? addressMin
        self.protoMin = protoMin
        self.protoMax = protoMax ?? protoMin
        self.flags = flags
    }

    static let kindName = "nat"

    func write(to expr: NftnlExpr, family _: NetfilterFamily) {
        expr.set(NFTNL_EXPR_NAT_TYPE, kind.rawValue)
        expr.set(NFTNL_EXPR_NAT_FAMILY, UInt32(family.rawValue))
        if let addressMin { expr.set(NFTNL_EXPR_NAT_REG_ADDR_MIN, addressMin) }
        if let addressMax { expr.set(NFTNL_EXPR_NAT_REG_ADDR_MAX, addressMax) }
        if let protoMin { expr.set(NFTNL_EXPR_NAT_REG_PROTO_MIN, protoMin) }
        if let protoMax { expr.set(NFTNL_EXPR_NAT_REG_PROTO_MAX, protoMax) }
        if flags != 0 { expr.set(NFTNL_EXPR_NAT_FLAGS, flags) }
    }

    init(reading expr: NftnlExpr, family ruleFamily: NetfilterFamily) {
        kind = Kind(rawValue: expr.u32(NFTNL_EXPR_NAT_TYPE)) ?? .snat
        family = NetfilterFamily(rawValue: UInt8(truncatingIfNeeded: expr.u32(NFTNL_EXPR_NAT_FAMILY))) ?? ruleFamily
        addressMin = expr.optionalRegister(NFTNL_EXPR_NAT_REG_ADDR_MIN)
        addressMax = expr.optionalRegister(NFTNL_EXPR_NAT_REG_ADDR_MAX)
        protoMin = expr.optionalRegister(NFTNL_EXPR_NAT_REG_PROTO_MIN)
        protoMax = expr.optionalRegister(NFTNL_EXPR_NAT_REG_PROTO_MAX)
        flags = expr.has(NFTNL_EXPR_NAT_FLAGS) ? expr.u32(NFTNL_EXPR_NAT_FLAGS) : 0
    }

    var text: String {
        var parts = ["nat \(kind == .dnat ? "dnat" : "snat") \(family)"]
        if let addressMin { parts.append("addr_min \(addressMin)") }
        if let protoMin { parts.append("proto_min \(protoMin)") }
        if flags != 0 { parts.append("flags 0x\(String(flags, radix: 16))") }
        return parts.joined(separator: " ")
    }
}
