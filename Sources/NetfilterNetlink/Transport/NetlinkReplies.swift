import CNetfilter
import CNetfilterShims

/// The netlink messages in one received buffer.
struct NetlinkReplies: Sequence {
    let buffer: UnsafeRawBufferPointer

    init(_ buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
    }

    struct Reply {
        let header: UnsafePointer<nlmsghdr>
        var type: UInt16 { header.pointee.nlmsg_type }
        var sequence: UInt32 { header.pointee.nlmsg_seq }
        var length: Int { Int(header.pointee.nlmsg_len) }

        /// The `struct nlmsgerr` of an NLMSG_ERROR reply, with the extended-ack attributes.
        var error: ErrorReply? {
            guard Int32(type) == NLMSG_ERROR, length >= 16 + 4 else { return nil }
            let raw = UnsafeRawBufferPointer(start: UnsafeRawPointer(header), count: length)
            let code = raw.loadUnaligned(fromByteOffset: 16, as: Int32.self)
            var offset: UInt32?
            var text: String?
            if header.pointee.nlmsg_flags & UInt16(NLM_F_ACK_TLVS) != 0 {
                // nlmsgerr = error code + the request's header (capped: no payload echoed).
                let echoedLength = header.pointee.nlmsg_flags & UInt16(NLM_F_CAPPED) != 0
                    ? 16 : Int(raw.loadUnaligned(fromByteOffset: 20, as: UInt32.self))
                var cursor = 16 + 4 + ((echoedLength + 3) & ~3)
                while cursor + 4 <= length {
                    let attributeLength = Int(raw.loadUnaligned(fromByteOffset: cursor, as: UInt16.self))
                    let attributeType = Int32(raw.loadUnaligned(fromByteOffset: cursor + 2, as: UInt16.self))
                    guard attributeLength >= 4, cursor + attributeLength <= length else { break }
                    if attributeType == Int32(NLMSGERR_ATTR_OFFS.rawValue), attributeLength >= 8 {
                        offset = raw.loadUnaligned(fromByteOffset: cursor + 4, as: UInt32.self)
                    } else if attributeType == Int32(NLMSGERR_ATTR_MSG.rawValue) {
                        let bytes = raw[(cursor + 4)..<(cursor + attributeLength)]
                        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
                        text = String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
                    }
                    cursor += (attributeLength + 3) & ~3
                }
            }
            return ErrorReply(code: code, attributeOffset: offset, text: text)
        }
    }

    struct ErrorReply {
        /// 0 for an ack, else a negative errno.
        let code: Int32
        let attributeOffset: UInt32?
        let text: String?
    }

    struct Iterator: IteratorProtocol {
        let buffer: UnsafeRawBufferPointer
        var cursor = 0

        mutating func next() -> Reply? {
            guard cursor + 16 <= buffer.count else { return nil }
            let header = (buffer.baseAddress! + cursor).assumingMemoryBound(to: nlmsghdr.self)
            let length = Int(header.pointee.nlmsg_len)
            guard length >= 16, cursor + length <= buffer.count else { return nil }
            cursor += (length + 3) & ~3
            return Reply(header: UnsafePointer(header))
        }
    }

    func makeIterator() -> Iterator { Iterator(buffer: buffer) }
}
