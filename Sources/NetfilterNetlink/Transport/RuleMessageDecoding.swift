import CNetfilter

/// Rules decoded straight from the kernel's netlink messages, without libnftnl.
///
/// Parsing a rule with libnftnl allocates the rule, every expression and every string, then
/// each value is copied out again: at 10,000 Services (110,000 chains, 270,000 rules) that
/// was over a third of read-back's CPU time (perf: malloc, libmnl, libnftnl). Here the
/// expressions kube-proxy's and PacketPath's layouts use are read in place into a table of
/// attributes laid out as libnftnl's (`ExpressionAttributes`), through which each kind's
/// usual `init(reading:family:)` builds the same value. A rule holding anything else — an
/// unknown kind or attribute, an attribute of an unexpected size — returns nil, and the
/// caller parses that rule with libnftnl as before, so foreign rules read back unchanged.
enum RuleMessageDecoder {
    /// The rule in a NFT_MSG_NEWRULE message, or nil when the fast path does not cover it.
    static func rule(_ header: UnsafePointer<nlmsghdr>, family: NetfilterFamily,
                     attributes: ExpressionAttributes) -> RuleInfo? {
        let length = Int(header.pointee.nlmsg_len)
        // nlmsghdr (16 bytes) and nfgenmsg (4 bytes), then the rule's attributes.
        guard length >= 20 else { return nil }
        let message = UnsafeRawBufferPointer(start: UnsafeRawPointer(header), count: length)
        var handle: UInt64 = 0
        var expressions: [Expression] = []
        var userData: [UInt8]?
        var decoded = true
        NetlinkAttributes.forEach(in: message, from: 20) { type, payload in
            switch type {
            case UInt16(NFTA_RULE_HANDLE.rawValue):
                guard payload.count == 8 else { decoded = false; return false }
                handle = UInt64(bigEndian: payload.loadUnaligned(as: UInt64.self))
            case UInt16(NFTA_RULE_USERDATA.rawValue):
                userData = Array(payload)
            case UInt16(NFTA_RULE_EXPRESSIONS.rawValue):
                decoded = NetlinkAttributes.forEach(in: payload, from: 0) { type, element in
                    guard type == UInt16(NFTA_LIST_ELEM.rawValue),
                          let expression = expression(element, family: family, attributes: attributes) else { return false }
                    expressions.append(expression)
                    return true
                }
                return decoded
            default:
                // Table, chain, position, compat, IDs, padding: not part of `RuleInfo`.
                break
            }
            return true
        }
        guard decoded else { return nil }
        return RuleInfo(handle: handle, expressions: expressions, userData: userData)
    }

    private static func expression(_ element: UnsafeRawBufferPointer, family: NetfilterFamily,
                                   attributes: ExpressionAttributes) -> Expression? {
        var kind: ExpressionLayouts.Kind?
        var data: UnsafeRawBufferPointer?
        let wellFormed = NetlinkAttributes.forEach(in: element, from: 0) { type, payload in
            switch type {
            case UInt16(NFTA_EXPR_NAME.rawValue): kind = ExpressionLayouts.kind(named: payload)
            case UInt16(NFTA_EXPR_DATA.rawValue): data = payload
            default: return false
            }
            return true
        }
        guard wellFormed, let kind else { return nil }
        attributes.clear()
        if let data {
            let known = NetlinkAttributes.forEach(in: data, from: 0) { type, payload in
                attributes.store(type: type, payload: payload, layout: kind.layout)
            }
            guard known else { return nil }
        }
        return kind.make(NftnlExpr(decoded: attributes), family)
    }
}

/// Walking netlink attributes (type and length headers, 4-byte aligned).
enum NetlinkAttributes {
    /// Calls `body` with each attribute's type (flags masked off) and payload from `offset`
    /// on; stops and returns false when `body` does or an attribute overruns the buffer.
    @discardableResult
    static func forEach(in buffer: UnsafeRawBufferPointer, from offset: Int,
                        _ body: (UInt16, UnsafeRawBufferPointer) -> Bool) -> Bool {
        var cursor = offset
        while cursor + 4 <= buffer.count {
            let length = Int(buffer.loadUnaligned(fromByteOffset: cursor, as: UInt16.self))
            let type = buffer.loadUnaligned(fromByteOffset: cursor + 2, as: UInt16.self) & 0x3fff
            guard length >= 4, cursor + length <= buffer.count else { return false }
            let payload = UnsafeRawBufferPointer(rebasing: buffer[(cursor + 4)..<(cursor + length)])
            guard body(type, payload) else { return false }
            cursor += (length + 3) & ~3
        }
        return true
    }
}
