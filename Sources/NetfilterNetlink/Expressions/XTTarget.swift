import CNetfilter

/// `target name NAME rev N`: an iptables (xt) target run through nf_tables' compatibility
/// layer. Its verdict comes from the target itself, so no `immediate` follows it.
public enum XTTarget: ExpressionKind {
    case dnat(XTDNAT)
    case masqueradeIPv4(XTMasqueradeIPv4)
    case masqueradeIPv6(XTMasqueradeIPv6)
    case mark(XTMark)
    case rejectIPv4(XTRejectIPv4)
    case rejectIPv6(XTRejectIPv6)
    case other(name: String, revision: UInt32, info: [UInt8])

    public var name: String {
        switch self {
        case .dnat: return XTDNAT.name
        case .masqueradeIPv4, .masqueradeIPv6: return XTMasqueradeIPv4.name
        case .mark: return XTMark.name
        case .rejectIPv4, .rejectIPv6: return XTRejectIPv4.name
        case .other(let name, _, _): return name
        }
    }

    public var revision: UInt32 {
        switch self {
        case .dnat: return XTDNAT.revision
        case .masqueradeIPv4: return XTMasqueradeIPv4.revision
        case .masqueradeIPv6: return XTMasqueradeIPv6.revision
        case .mark: return XTMark.revision
        case .rejectIPv4: return XTRejectIPv4.revision
        case .rejectIPv6: return XTRejectIPv6.revision
        case .other(_, let revision, _): return revision
        }
    }

    public var infoBytes: [UInt8] {
        switch self {
        case .dnat(let info): return info.infoBytes
        case .masqueradeIPv4(let info): return info.infoBytes
        case .masqueradeIPv6(let info): return info.infoBytes
        case .mark(let info): return info.infoBytes
        case .rejectIPv4(let info): return info.infoBytes
        case .rejectIPv6(let info): return info.infoBytes
        case .other(_, _, let info): return info
        }
    }

    static let kindName = "target"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_TG_NAME, ObjectName(name))
        expr.set(NFTNL_EXPR_TG_REV, revision)
        switch self {
        case .dnat(let info): info.attach(to: expr, attribute: NFTNL_EXPR_TG_INFO)
        case .masqueradeIPv4(let info): info.attach(to: expr, attribute: NFTNL_EXPR_TG_INFO)
        case .masqueradeIPv6(let info): info.attach(to: expr, attribute: NFTNL_EXPR_TG_INFO)
        case .mark(let info): info.attach(to: expr, attribute: NFTNL_EXPR_TG_INFO)
        case .rejectIPv4(let info): info.attach(to: expr, attribute: NFTNL_EXPR_TG_INFO)
        case .rejectIPv6(let info): info.attach(to: expr, attribute: NFTNL_EXPR_TG_INFO)
        case .other(_, _, let info):
            expr.setOwnedBuffer(NFTNL_EXPR_TG_INFO, size: info.count) { $0.copyBytes(from: info) }
        }
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        self = XTTarget(name: expr.string(NFTNL_EXPR_TG_NAME), revision: expr.u32(NFTNL_EXPR_TG_REV),
                        info: expr.bytes(NFTNL_EXPR_TG_INFO), family: family)
    }

    /// The typed target when `info` is exactly what that type writes, else `.other`. The
    /// family decides between the IPv4 and IPv6 structures of MASQUERADE and REJECT.
    public init(name: String, revision: UInt32, info: [UInt8], family: NetfilterFamily) {
        func typed<T: XTInfo>(_ type: T.Type) -> T? {
            T.revision == revision ? T.decode(info) : nil
        }
        let ipv6 = family == .ipv6
        switch name {
        case XTDNAT.name: if let value = typed(XTDNAT.self) { self = .dnat(value); return }
        case XTMasqueradeIPv4.name where !ipv6:
            if let value = typed(XTMasqueradeIPv4.self) { self = .masqueradeIPv4(value); return }
        case XTMasqueradeIPv6.name where ipv6:
            if let value = typed(XTMasqueradeIPv6.self) { self = .masqueradeIPv6(value); return }
        case XTMark.name: if let value = typed(XTMark.self) { self = .mark(value); return }
        case XTRejectIPv4.name where !ipv6: if let value = typed(XTRejectIPv4.self) { self = .rejectIPv4(value); return }
        case XTRejectIPv6.name where ipv6: if let value = typed(XTRejectIPv6.self) { self = .rejectIPv6(value); return }
        default: break
        }
        self = .other(name: name, revision: revision, info: info)
    }

    var text: String { "target name \(name) rev \(revision)" }
}
