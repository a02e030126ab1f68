import CNetfilter

/// `match name NAME rev N`: an iptables (xt) match run through nf_tables' compatibility layer,
/// with its binary info. Info this module does not model is kept as raw bytes.
public enum XTMatch: ExpressionKind {
    case comment(XTComment)
    case tcp(XTTCP)
    case udp(XTUDP)
    case sctp(XTSCTP)
    case addrType(XTAddrType)
    case conntrack(XTConntrack)
    case statistic(XTStatistic)
    case recent(XTRecent)
    case mark(XTMarkMatch)
    case other(name: String, revision: UInt32, info: [UInt8])

    public var name: String {
        switch self {
        case .comment: return XTComment.name
        case .tcp: return XTTCP.name
        case .udp: return XTUDP.name
        case .sctp: return XTSCTP.name
        case .addrType: return XTAddrType.name
        case .conntrack: return XTConntrack.name
        case .statistic: return XTStatistic.name
        case .recent: return XTRecent.name
        case .mark: return XTMarkMatch.name
        case .other(let name, _, _): return name
        }
    }

    public var revision: UInt32 {
        switch self {
        case .comment: return XTComment.revision
        case .tcp: return XTTCP.revision
        case .udp: return XTUDP.revision
        case .sctp: return XTSCTP.revision
        case .addrType: return XTAddrType.revision
        case .conntrack: return XTConntrack.revision
        case .statistic: return XTStatistic.revision
        case .recent: return XTRecent.revision
        case .mark: return XTMarkMatch.revision
        case .other(_, let revision, _): return revision
        }
    }

    /// The padded info bytes as the kernel receives them.
    public var infoBytes: [UInt8] {
        switch self {
        case .comment(let info): return info.infoBytes
        case .tcp(let info): return info.infoBytes
        case .udp(let info): return info.infoBytes
        case .sctp(let info): return info.infoBytes
        case .addrType(let info): return info.infoBytes
        case .conntrack(let info): return info.infoBytes
        case .statistic(let info): return info.infoBytes
        case .recent(let info): return info.infoBytes
        case .mark(let info): return info.infoBytes
        case .other(_, _, let info): return info
        }
    }

    static let kindName = "match"

    func write(to expr: NftnlExpr, family: NetfilterFamily) {
        expr.set(NFTNL_EXPR_MT_NAME, ObjectName(name))
        expr.set(NFTNL_EXPR_MT_REV, revision)
        switch self {
        case .comment(let info): info.attach(to: expr, attribute: NFTNL_EXPR_MT_INFO)
        case .tcp(let info): info.attach(to: expr, attribute: NFTNL_EXPR_MT_INFO)
        case .udp(let info): info.attach(to: expr, attribute: NFTNL_EXPR_MT_INFO)
        case .sctp(let info): info.attach(to: expr, attribute: NFTNL_EXPR_MT_INFO)
        case .addrType(let info): info.attach(to: expr, attribute: NFTNL_EXPR_MT_INFO)
        case .conntrack(let info): info.attach(to: expr, attribute: NFTNL_EXPR_MT_INFO)
        case .statistic(let info): info.attach(to: expr, attribute: NFTNL_EXPR_MT_INFO)
        case .recent(let info): info.attach(to: expr, attribute: NFTNL_EXPR_MT_INFO)
        case .mark(let info): info.attach(to: expr, attribute: NFTNL_EXPR_MT_INFO)
        case .other(_, _, let info):
            expr.setOwnedBuffer(NFTNL_EXPR_MT_INFO, size: info.count) { $0.copyBytes(from: info) }
        }
    }

    init(reading expr: NftnlExpr, family: NetfilterFamily) {
        self = XTMatch(name: expr.string(NFTNL_EXPR_MT_NAME), revision: expr.u32(NFTNL_EXPR_MT_REV),
                       info: expr.bytes(NFTNL_EXPR_MT_INFO))
    }

    /// The typed match when `info` is exactly what that type writes, else `.other`.
    public init(name: String, revision: UInt32, info: [UInt8]) {
        func typed<T: XTInfo>(_ type: T.Type) -> T? {
            T.revision == revision ? T.decode(info) : nil
        }
        switch name {
        case XTComment.name: if let value = typed(XTComment.self) { self = .comment(value); return }
        case XTTCP.name: if let value = typed(XTTCP.self) { self = .tcp(value); return }
        case XTUDP.name: if let value = typed(XTUDP.self) { self = .udp(value); return }
        case XTSCTP.name: if let value = typed(XTSCTP.self) { self = .sctp(value); return }
        case XTAddrType.name: if let value = typed(XTAddrType.self) { self = .addrType(value); return }
        case XTConntrack.name: if let value = typed(XTConntrack.self) { self = .conntrack(value); return }
        case XTStatistic.name: if let value = typed(XTStatistic.self) { self = .statistic(value); return }
        case XTRecent.name: if let value = typed(XTRecent.self) { self = .recent(value); return }
        case XTMarkMatch.name: if let value = typed(XTMarkMatch.self) { self = .mark(value); return }
        default: break
        }
        self = .other(name: name, revision: revision, info: info)
    }

    var text: String { "match name \(name) rev \(revision)" }
}

extension XTInfo {
    /// Writes the padded info into a buffer libnftnl takes over.
    func attach(to expr: NftnlExpr, attribute: Int) {
        expr.setOwnedBuffer(attribute, size: Self.paddedSize) { write(into: $0) }
    }
}
