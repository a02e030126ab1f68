import CNetfilter

extension NetfilterBatch {
    /// Creates a set (or map) and adds `elements` to it in the same batch. The kernel wants a
    /// set ID with every new set; one is assigned when `set.id` is nil.
    public func addSet(family: NetfilterFamily, _ set: NetfilterSet, elements: [SetElement] = [], tag: Int) {
        var set = set
        if set.id == nil { set.id = makeSetID() }
        let object = NftnlSet(family: family, set)
        defer { object.free() }
        let header = beginMessage(NFT_MSG_NEWSET, family: family, flags: NLM_F_CREATE, tag: tag)
        nftnl_set_nlmsg_build_payload(header, object.pointer)
        endMessage(header)
        if !elements.isEmpty {
            addElements(family: family, set, elements, tag: tag)
        }
    }

    /// Adds elements to an existing set (or one created earlier in this batch).
    /// A new anonymous set is named by its ID alone (`NetfilterSet.elementsByIDOnly`).
    public func addElements(family: NetfilterFamily, _ set: NetfilterSet, _ elements: [SetElement], tag: Int) {
        let object = NftnlSet(family: family, set, named: !set.elementsByIDOnly)
        defer { object.free() }
        for element in elements { object.add(element) }
        let header = beginMessage(NFT_MSG_NEWSETELEM, family: family, flags: NLM_F_CREATE, tag: tag)
        nftnl_set_elems_nlmsg_build_payload(header, object.pointer)
        endMessage(header)
    }

    /// Removes the given elements (by key) from a set.
    public func deleteElements(family: NetfilterFamily, _ set: NetfilterSet, _ elements: [SetElement], tag: Int) {
        let object = NftnlSet(family: family, set)
        defer { object.free() }
        for element in elements { object.add(SetElement(key: element.key, keyEnd: element.keyEnd)) }
        let header = beginMessage(NFT_MSG_DELSETELEM, family: family, flags: 0, tag: tag)
        nftnl_set_elems_nlmsg_build_payload(header, object.pointer)
        endMessage(header)
    }

    /// Removes every element of a set.
    public func flushSet(family: NetfilterFamily, table: ObjectName, name: ObjectName, tag: Int) {
        let object = NftnlSet(family: family, table: table, name: name)
        defer { object.free() }
        let header = beginMessage(NFT_MSG_DELSETELEM, family: family, flags: 0, tag: tag)
        nftnl_set_elems_nlmsg_build_payload(header, object.pointer)
        endMessage(header)
    }

    public func deleteSet(family: NetfilterFamily, table: ObjectName, name: ObjectName, tag: Int) {
        let object = NftnlSet(family: family, table: table, name: name)
        defer { object.free() }
        let header = beginMessage(NFT_MSG_DELSET, family: family, flags: 0, tag: tag)
        nftnl_set_nlmsg_build_payload(header, object.pointer)
        endMessage(header)
    }
}

/// A libnftnl set built from a value; the caller frees it once its message is written.
struct NftnlSet {
    let pointer: OpaquePointer

    /// A set naming only its table (and name, when given): for deletes, flushes and listings.
    init(family: NetfilterFamily, table: ObjectName, name: ObjectName?) {
        pointer = nftnl_set_alloc()!
        table.withCString { _ = nftnl_set_set_str(pointer, UInt16(NFTNL_SET_TABLE.rawValue), $0) }
        name?.withCString { _ = nftnl_set_set_str(pointer, UInt16(NFTNL_SET_NAME.rawValue), $0) }
        nftnl_set_set_u32(pointer, UInt16(NFTNL_SET_FAMILY.rawValue), UInt32(family.rawValue))
    }

    /// `named` false leaves the name out (the set is then found by its ID).
    init(family: NetfilterFamily, _ set: NetfilterSet, named: Bool = true) {
        self.init(family: family, table: set.table, name: named ? set.name : nil)
        func u32(_ attribute: nftnl_set_attr, _ value: UInt32) {
            nftnl_set_set_u32(pointer, UInt16(attribute.rawValue), value)
        }
        if let id = set.id { u32(NFTNL_SET_ID, id) }
        u32(NFTNL_SET_FLAGS, set.flags.rawValue)
        u32(NFTNL_SET_KEY_TYPE, set.keyType)
        u32(NFTNL_SET_KEY_LEN, set.keyLength)
        if let dataType = set.dataType { u32(NFTNL_SET_DATA_TYPE, dataType) }
        if let dataLength = set.dataLength { u32(NFTNL_SET_DATA_LEN, dataLength) }
        if let timeout = set.timeout { nftnl_set_set_u64(pointer, UInt16(NFTNL_SET_TIMEOUT.rawValue), timeout) }
        if let size = set.descriptionSize { u32(NFTNL_SET_DESC_SIZE, size) }
        if let userData = set.userData {
            userData.withUnsafeBytes {
                _ = nftnl_set_set_data(pointer, UInt16(NFTNL_SET_USERDATA.rawValue), $0.baseAddress, UInt32($0.count))
            }
        }
    }

    /// Hands an element to the set, which then owns it.
    func add(_ element: SetElement) {
        let item = nftnl_set_elem_alloc()!
        element.key.withUnsafeBytes {
            _ = nftnl_set_elem_set(item, UInt16(NFTNL_SET_ELEM_KEY), $0.baseAddress, UInt32($0.count))
        }
        if let end = element.keyEnd {
            end.withUnsafeBytes {
                _ = nftnl_set_elem_set(item, UInt16(NFTNL_SET_ELEM_KEY_END), $0.baseAddress, UInt32($0.count))
            }
        }
        if let verdict = element.verdict {
            nftnl_set_elem_set_u32(item, UInt16(NFTNL_SET_ELEM_VERDICT), UInt32(bitPattern: verdict.code))
            switch verdict {
            case .jump(let chain), .goto(let chain):
                chain.withCString { _ = nftnl_set_elem_set_str(item, UInt16(NFTNL_SET_ELEM_CHAIN), $0) }
            default:
                break
            }
        }
        if let data = element.data {
            data.withUnsafeBytes {
                _ = nftnl_set_elem_set(item, UInt16(NFTNL_SET_ELEM_DATA), $0.baseAddress, UInt32($0.count))
            }
        }
        if let userData = element.userData {
            userData.withUnsafeBytes {
                _ = nftnl_set_elem_set(item, UInt16(NFTNL_SET_ELEM_USERDATA), $0.baseAddress, UInt32($0.count))
            }
        }
        if element.intervalEnd {
            nftnl_set_elem_set_u32(item, UInt16(NFTNL_SET_ELEM_FLAGS), UInt32(NFT_SET_ELEM_INTERVAL_END.rawValue))
        }
        nftnl_set_elem_add(pointer, item)
    }

    func free() {
        nftnl_set_free(pointer)
    }
}
