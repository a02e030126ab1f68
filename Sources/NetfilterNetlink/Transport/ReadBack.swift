import CNetfilter
#if canImport(Glibc)
import Glibc
#endif

/// Reading the kernel's tables, chains and generation (rules: `RuleDump.swift`).
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
                found = try Self.parseTable(header, family: family, operation: "reading table \(family) \(name)")
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
            tables.append(try Self.parseTable(header, family: family, operation: "listing \(family) tables"))
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
            guard nftnl_chain_nlmsg_parse(header, chain) == 0 else {
                throw NetfilterError.unparsedReply(operation: "listing \(family) chains")
            }
            let tableName = ObjectName(cString: nftnl_chain_get_str(chain, UInt16(NFTNL_CHAIN_TABLE.rawValue)))
            if let table, tableName != table { return }
            chains.append(Self.chainInfo(chain, family: family, table: tableName))
        }
        return chains
    }

    private static func parseTable(_ header: UnsafePointer<nlmsghdr>, family: NetfilterFamily, operation: String) throws
        -> TableInfo {
        let table = nftnl_table_alloc()!
        defer { nftnl_table_free(table) }
        guard nftnl_table_nlmsg_parse(header, table) == 0 else { throw NetfilterError.unparsedReply(operation: operation) }
        var comment: String?
        var userData: [UInt8]?
        if nftnl_table_is_set(table, UInt16(NFTNL_TABLE_USERDATA.rawValue)) {
            var length: UInt32 = 0
            if let data = nftnl_table_get_data(table, UInt16(NFTNL_TABLE_USERDATA.rawValue), &length) {
                let raw = UnsafeRawBufferPointer(start: data, count: Int(length))
                comment = UserDataComment.decode(raw)
                userData = Array(raw)
            }
        }
        return TableInfo(family: family,
                         name: ObjectName(cString: nftnl_table_get_str(table, UInt16(NFTNL_TABLE_NAME.rawValue))),
                         handle: nftnl_table_get_u64(table, UInt16(NFTNL_TABLE_HANDLE.rawValue)),
                         flags: nftnl_table_get_u32(table, UInt16(NFTNL_TABLE_FLAGS.rawValue)),
                         comment: comment, userData: userData,
                         objectCount: nftnl_table_is_set(table, UInt16(NFTNL_TABLE_USE.rawValue))
                            ? nftnl_table_get_u32(table, UInt16(NFTNL_TABLE_USE.rawValue)) : nil)
    }

    static func chainInfo(_ chain: OpaquePointer, family: NetfilterFamily, table: ObjectName) -> ChainInfo {
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

/// Reading sets and their elements.
extension NetfilterSocket {
    /// The named sets and maps of one table (anonymous ones included).
    public func sets(family: NetfilterFamily, table: ObjectName) throws -> [NetfilterSet] {
        var sets: [NetfilterSet] = []
        try request(NFT_MSG_GETSET, family: family, dump: true, operation: "listing sets of \(family) \(table)",
                    payload: { header in
                        let object = NftnlSet(family: family, table: table, name: nil)
                        defer { object.free() }
                        nftnl_set_nlmsg_build_payload(header, object.pointer)
                    }) { header in
            let set = nftnl_set_alloc()!
            defer { nftnl_set_free(set) }
            guard nftnl_set_nlmsg_parse(header, set) == 0 else {
                throw NetfilterError.unparsedReply(operation: "listing sets of \(family) \(table)")
            }
            sets.append(Self.setValue(set))
        }
        return sets
    }

    /// The elements of one set or map.
    public func elements(family: NetfilterFamily, table: ObjectName, set name: ObjectName) throws -> [SetElement] {
        var elements: [SetElement] = []
        try request(NFT_MSG_GETSETELEM, family: family, dump: true, operation: "listing elements of \(family) \(table) \(name)",
                    payload: { header in
                        let object = NftnlSet(family: family, table: table, name: name)
                        defer { object.free() }
                        nftnl_set_elems_nlmsg_build_payload(header, object.pointer)
                    }) { header in
            let set = nftnl_set_alloc()!
            defer { nftnl_set_free(set) }
            guard nftnl_set_elems_nlmsg_parse(header, set) == 0, let iterator = nftnl_set_elems_iter_create(set) else {
                throw NetfilterError.unparsedReply(operation: "listing elements of \(family) \(table) \(name)")
            }
            defer { nftnl_set_elems_iter_destroy(iterator) }
            // `next` returns the current element, then advances.
            while let current = nftnl_set_elems_iter_next(iterator) {
                elements.append(Self.elementValue(current))
            }
        }
        return elements
    }

    private static func setValue(_ set: OpaquePointer) -> NetfilterSet {
        func isSet(_ attribute: nftnl_set_attr) -> Bool { nftnl_set_is_set(set, UInt16(attribute.rawValue)) }
        func u32(_ attribute: nftnl_set_attr) -> UInt32 { nftnl_set_get_u32(set, UInt16(attribute.rawValue)) }
        return NetfilterSet(
            table: ObjectName(cString: nftnl_set_get_str(set, UInt16(NFTNL_SET_TABLE.rawValue))),
            name: ObjectName(cString: nftnl_set_get_str(set, UInt16(NFTNL_SET_NAME.rawValue))),
            flags: NetfilterSet.Flags(rawValue: isSet(NFTNL_SET_FLAGS) ? u32(NFTNL_SET_FLAGS) : 0),
            keyType: u32(NFTNL_SET_KEY_TYPE), keyLength: u32(NFTNL_SET_KEY_LEN),
            dataType: isSet(NFTNL_SET_DATA_TYPE) ? u32(NFTNL_SET_DATA_TYPE) : nil,
            dataLength: isSet(NFTNL_SET_DATA_LEN) ? u32(NFTNL_SET_DATA_LEN) : nil,
            timeout: isSet(NFTNL_SET_TIMEOUT) ? nftnl_set_get_u64(set, UInt16(NFTNL_SET_TIMEOUT.rawValue)) : nil,
            userData: userData(set),
            descriptionSize: isSet(NFTNL_SET_DESC_SIZE) ? u32(NFTNL_SET_DESC_SIZE) : nil)
    }

    private static func userData(_ set: OpaquePointer) -> [UInt8]? {
        guard nftnl_set_is_set(set, UInt16(NFTNL_SET_USERDATA.rawValue)) else { return nil }
        var length: UInt32 = 0
        guard let raw = nftnl_set_get_data(set, UInt16(NFTNL_SET_USERDATA.rawValue), &length) else { return nil }
        return Array(UnsafeRawBufferPointer(start: raw, count: Int(length)))
    }

    private static func elementValue(_ item: OpaquePointer) -> SetElement {
        func bytes(_ attribute: Int) -> [UInt8]? {
            guard nftnl_set_elem_is_set(item, UInt16(attribute)) else { return nil }
            var length: UInt32 = 0
            guard let raw = nftnl_set_elem_get(item, UInt16(attribute), &length) else { return nil }
            return Array(UnsafeRawBufferPointer(start: raw, count: Int(length)))
        }
        var verdict: NetfilterVerdict?
        if nftnl_set_elem_is_set(item, UInt16(NFTNL_SET_ELEM_VERDICT)) {
            let chain = nftnl_set_elem_is_set(item, UInt16(NFTNL_SET_ELEM_CHAIN))
                ? ObjectName(cString: nftnl_set_elem_get_str(item, UInt16(NFTNL_SET_ELEM_CHAIN))) : nil
            verdict = NetfilterVerdict(code: Int32(bitPattern: nftnl_set_elem_get_u32(item, UInt16(NFTNL_SET_ELEM_VERDICT))),
                                       chain: chain)
        }
        let flags = nftnl_set_elem_is_set(item, UInt16(NFTNL_SET_ELEM_FLAGS))
            ? nftnl_set_elem_get_u32(item, UInt16(NFTNL_SET_ELEM_FLAGS)) : 0
        return SetElement(key: bytes(NFTNL_SET_ELEM_KEY) ?? [], keyEnd: bytes(NFTNL_SET_ELEM_KEY_END), verdict: verdict,
                          data: bytes(NFTNL_SET_ELEM_DATA), userData: bytes(NFTNL_SET_ELEM_USERDATA),
                          intervalEnd: flags & UInt32(NFT_SET_ELEM_INTERVAL_END.rawValue) != 0)
    }
}
