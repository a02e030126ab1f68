import CNetfilter
#if canImport(Glibc)
import Glibc
#endif

/// Reading the kernel's tables, chains, rules and generation.
extension NetfilterSocket {
    /// The ruleset generation: it changes with every committed batch, by anyone.
    public func generation() throws -> UInt32 {
        var generation: UInt32?
        try request(NFT_MSG_GETGEN, family: .ipv4, dump: false, operation: "reading the ruleset generation",
                    payload: { _ in }) { header in
            let gen = nftnl_gen_alloc()!
            defer { nftnl_gen_free(gen) }
            if nftnl_gen_nlmsg_parse(header, gen) == 0 {
                generation = nftnl_gen_get_u32(gen, UInt16(NFTNL_GEN_ID))
            }
        }
        guard let generation else {
            throw NetfilterError.request(operation: "reading the ruleset generation", errno: EPROTO)
        }
        return generation
    }

    /// One table, or nil when it does not exist.
    public func table(family: NetfilterFamily, name: ObjectName) throws -> TableInfo? {
        var found: TableInfo?
        do {
            try request(NFT_MSG_GETTABLE, family: family, dump: false, operation: "reading table \(family) \(name)",
                        payload: { header in
                            let table = nftnl_table_alloc()!
                            defer { nftnl_table_free(table) }
                            name.withCString { nftnl_table_set_str(table, UInt16(NFTNL_TABLE_NAME.rawValue), $0) }
                            nftnl_table_nlmsg_build_payload(header, table)
                        }) { header in
                found = Self.parseTable(header, family: family)
            }
        } catch NetfilterError.request(_, let code) where code == ENOENT {
            return nil
        }
        return found
    }

    /// Every table of a family.
    public func tables(family: NetfilterFamily) throws -> [TableInfo] {
        var tables: [TableInfo] = []
        try request(NFT_MSG_GETTABLE, family: family, dump: true, operation: "listing \(family) tables",
                    payload: { _ in }) { header in
            if let table = Self.parseTable(header, family: family) { tables.append(table) }
        }
        return tables
    }

    /// Every chain of a family (of one table, when given).
    public func chains(family: NetfilterFamily, table: ObjectName? = nil) throws -> [ChainInfo] {
        var chains: [ChainInfo] = []
        try request(NFT_MSG_GETCHAIN, family: family, dump: true, operation: "listing \(family) chains",
                    payload: { _ in }) { header in
            let chain = nftnl_chain_alloc()!
            defer { nftnl_chain_free(chain) }
            guard nftnl_chain_nlmsg_parse(header, chain) == 0 else { return }
            let tableName = ObjectName(cString: nftnl_chain_get_str(chain, UInt16(NFTNL_CHAIN_TABLE.rawValue)))
            if let table, tableName != table { return }
            chains.append(Self.chainInfo(chain, family: family, table: tableName))
        }
        return chains
    }

    /// The rules of one chain, in order, with their expressions. Listing chain by chain keeps
    /// large rulesets linear: a whole-table dump restarts its walk for every reply buffer.
    public func rules(family: NetfilterFamily, table: ObjectName, chain: ObjectName) throws -> [RuleInfo] {
        var rules: [RuleInfo] = []
        try request(NFT_MSG_GETRULE, family: family, dump: true, operation: "listing rules of \(family) \(table) \(chain)",
                    payload: { header in
                        let rule = nftnl_rule_alloc()!
                        defer { nftnl_rule_free(rule) }
                        table.withCString { nftnl_rule_set_str(rule, UInt16(NFTNL_RULE_TABLE.rawValue), $0) }
                        chain.withCString { nftnl_rule_set_str(rule, UInt16(NFTNL_RULE_CHAIN.rawValue), $0) }
                        nftnl_rule_nlmsg_build_payload(header, rule)
                    }) { header in
            let rule = nftnl_rule_alloc()!
            defer { nftnl_rule_free(rule) }
            guard nftnl_rule_nlmsg_parse(header, rule) == 0 else { return }
            var expressions: [Expression] = []
            if let iterator = nftnl_expr_iter_create(rule) {
                defer { nftnl_expr_iter_destroy(iterator) }
                while let expr = nftnl_expr_iter_next(iterator) {
                    expressions.append(Expression(nftnl: expr, family: family))
                }
            }
            rules.append(RuleInfo(handle: nftnl_rule_get_u64(rule, UInt16(NFTNL_RULE_HANDLE.rawValue)),
                                  expressions: expressions))
        }
        return rules
    }

    private static func parseTable(_ header: UnsafePointer<nlmsghdr>, family: NetfilterFamily) -> TableInfo? {
        let table = nftnl_table_alloc()!
        defer { nftnl_table_free(table) }
        guard nftnl_table_nlmsg_parse(header, table) == 0 else { return nil }
        var comment: String?
        if nftnl_table_is_set(table, UInt16(NFTNL_TABLE_USERDATA.rawValue)) {
            var length: UInt32 = 0
            if let data = nftnl_table_get_data(table, UInt16(NFTNL_TABLE_USERDATA.rawValue), &length) {
                comment = UserDataComment.decode(UnsafeRawBufferPointer(start: data, count: Int(length)))
            }
        }
        return TableInfo(family: family,
                         name: ObjectName(cString: nftnl_table_get_str(table, UInt16(NFTNL_TABLE_NAME.rawValue))),
                         handle: nftnl_table_get_u64(table, UInt16(NFTNL_TABLE_HANDLE.rawValue)),
                         flags: nftnl_table_get_u32(table, UInt16(NFTNL_TABLE_FLAGS.rawValue)),
                         comment: comment)
    }

    private static func chainInfo(_ chain: OpaquePointer, family: NetfilterFamily, table: ObjectName) -> ChainInfo {
        func isSet(_ attribute: nftnl_chain_attr) -> Bool { nftnl_chain_is_set(chain, UInt16(attribute.rawValue)) }
        var base: BaseChainSpec?
        if isSet(NFTNL_CHAIN_HOOKNUM), let hook = BaseChainSpec.Hook(rawValue: nftnl_chain_get_u32(chain, UInt16(NFTNL_CHAIN_HOOKNUM.rawValue))) {
            let type = isSet(NFTNL_CHAIN_TYPE) ? String(cString: nftnl_chain_get_str(chain, UInt16(NFTNL_CHAIN_TYPE.rawValue))) : "filter"
            let policy = isSet(NFTNL_CHAIN_POLICY) ? nftnl_chain_get_u32(chain, UInt16(NFTNL_CHAIN_POLICY.rawValue)) : UInt32(NF_ACCEPT)
            base = BaseChainSpec(type: type, hook: hook, priority: nftnl_chain_get_s32(chain, UInt16(NFTNL_CHAIN_PRIO.rawValue)),
                                 policyAccepts: policy == UInt32(NF_ACCEPT))
        }
        var comment: String?
        if isSet(NFTNL_CHAIN_USERDATA) {
            var length: UInt32 = 0
            if let data = nftnl_chain_get_data(chain, UInt16(NFTNL_CHAIN_USERDATA.rawValue), &length) {
                comment = UserDataComment.decode(UnsafeRawBufferPointer(start: data, count: Int(length)))
            }
        }
        return ChainInfo(family: family, table: table,
                         name: ObjectName(cString: nftnl_chain_get_str(chain, UInt16(NFTNL_CHAIN_NAME.rawValue))),
                         handle: nftnl_chain_get_u64(chain, UInt16(NFTNL_CHAIN_HANDLE.rawValue)),
                         base: base, comment: comment)
    }
}
