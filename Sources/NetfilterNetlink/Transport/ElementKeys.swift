import CNetfilter
#if canImport(Glibc)
import Glibc
#endif

/// Reading only the keys of a large set: the netlink attributes are walked in place, with no
/// libnftnl element objects (reading 110,000 elements through them cost most of a second).
extension NetfilterSocket {
    /// Calls `body` with the key bytes of every element of a set, valid only during the call.
    public func forEachElementKey(family: NetfilterFamily, table: ObjectName, set name: ObjectName,
                                  _ body: (UnsafeRawBufferPointer) -> Void) throws {
        try request(NFT_MSG_GETSETELEM, family: family, dump: true, operation: "listing elements of \(family) \(table) \(name)",
                    payload: { header in
                        let object = NftnlSet(family: family, table: table, name: name)
                        defer { object.free() }
                        nftnl_set_elems_nlmsg_build_payload(header, object.pointer)
                    }) { header in
            let message = UnsafeRawBufferPointer(start: UnsafeRawPointer(header), count: Int(header.pointee.nlmsg_len))
            // nlmsghdr (16) and nfgenmsg (4), then the attributes.
            Self.forEachAttribute(message, from: 20) { type, list in
                guard type == UInt16(NFTA_SET_ELEM_LIST_ELEMENTS.rawValue) else { return }
                Self.forEachAttribute(list, from: 0) { type, element in
                    guard type == UInt16(NFTA_LIST_ELEM.rawValue) else { return }
                    Self.forEachAttribute(element, from: 0) { type, key in
                        guard type == UInt16(NFTA_SET_ELEM_KEY.rawValue) else { return }
                        Self.forEachAttribute(key, from: 0) { type, value in
                            if type == UInt16(NFTA_DATA_VALUE.rawValue) { body(value) }
                        }
                    }
                }
            }
        }
    }

    /// The attributes in `buffer` from `offset` on: type (nesting and byte-order flags
    /// cleared) and payload.
    static func forEachAttribute(_ buffer: UnsafeRawBufferPointer, from offset: Int,
                                 _ body: (UInt16, UnsafeRawBufferPointer) -> Void) {
        var cursor = offset
        while cursor + 4 <= buffer.count {
            let length = Int(buffer.loadUnaligned(fromByteOffset: cursor, as: UInt16.self))
            let type = buffer.loadUnaligned(fromByteOffset: cursor + 2, as: UInt16.self) & 0x3fff
            guard length >= 4, cursor + length <= buffer.count else { return }
            body(type, UnsafeRawBufferPointer(rebasing: buffer[(cursor + 4)..<(cursor + length)]))
            cursor += (length + 3) & ~3
        }
    }
}
