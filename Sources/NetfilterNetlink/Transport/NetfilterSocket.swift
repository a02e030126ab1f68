import CNetfilter
import CNetfilterShims
#if canImport(Glibc)
import Glibc
#endif

/// A netlink socket to nf_tables in the network namespace of the thread that opened it (it
/// stays there whichever thread uses it later). Owns the libmnl socket; confined to one thread.
public final class NetfilterSocket {
    let socket: OpaquePointer
    let portID: UInt32
    private var sequence: UInt32
    private(set) var receiveBuffer: UnsafeMutableRawBufferPointer
    private var sendBufferSize = 0
    /// Scratch for decoding rule messages in place (`RuleMessageDecoder`).
    let expressionAttributes = ExpressionAttributes()
    /// Rules read back through libnftnl because the in-place decoder does not cover them.
    var rulesParsedByLibnftnl = 0

    public init() throws {
        guard let socket = mnl_socket_open(NETLINK_NETFILTER) else {
            throw NetfilterError.system(operation: "opening a netfilter netlink socket", errno: errno)
        }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let code = errno
            mnl_socket_close(socket)
            throw NetfilterError.system(operation: "binding the netfilter netlink socket", errno: code)
        }
        self.socket = socket
        portID = mnl_socket_get_portid(socket)
        // Sequence numbers only need to differ from other sockets' recent ones.
        sequence = UInt32(truncatingIfNeeded: time(nil))
        receiveBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 8)
        // Short errors instead of echoed requests, and the offending attribute's offset.
        setOption(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        // Room for the error replies of a large failing batch.
        setOption(SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    }

    deinit {
        receiveBuffer.deallocate()
        mnl_socket_close(socket)
    }

    var fileDescriptor: Int32 { mnl_socket_get_fd(socket) }

    /// The next free sequence number, reserving `count` numbers.
    func reserveSequences(_ count: Int) -> UInt32 {
        let first = sequence
        sequence &+= UInt32(count)
        return first
    }

    /// Starts a batch whose sequence numbers come from this socket.
    public func makeBatch(generation: UInt32? = nil, pageSize: Int = 1 << 20) -> NetfilterBatch {
        // A batch takes as many numbers as it has messages; leave a wide gap after it.
        let first = reserveSequences(1 << 24)
        return NetfilterBatch(generation: generation, firstSequence: first, pageSize: pageSize)
    }

    @discardableResult
    private func setOption(_ level: Int32, _ option: Int32, _ value: Int32) -> Bool {
        var value = value
        return setsockopt(fileDescriptor, level, option, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    // MARK: Sending a batch

    /// Sends the batch in one `sendmsg` and waits for the kernel's verdict on it. Throws
    /// `NetfilterError.batchRejected` (nothing applied) with every failure the kernel reported.
    public func commit(_ batch: NetfilterBatch) throws {
        batch.finish()
        let bytes = batch.byteCount
        // netlink refuses a message larger than the socket's send buffer.
        if bytes + (1 << 16) > sendBufferSize {
            let wanted = bytes + (1 << 20)
            guard wanted < Int(Int32.max) else { throw NetfilterError.batchTooLarge(bytes: bytes) }
            if !setOption(SOL_SOCKET, SO_SNDBUFFORCE, Int32(wanted)) {
                setOption(SOL_SOCKET, SO_SNDBUF, Int32(wanted))
            }
            sendBufferSize = wanted
        }
        let count = Int(nftnl_batch_iovec_len(batch.batch))
        guard count <= Int(UIO_MAXIOV) else { throw NetfilterError.batchTooLarge(bytes: bytes) }
        var vectors = [iovec](repeating: iovec(), count: count)
        nftnl_batch_iovec(batch.batch, &vectors, UInt32(count))
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let sent = withUnsafeMutablePointer(to: &address) { addressPointer in
            vectors.withUnsafeMutableBufferPointer { vectorBuffer -> Int in
                var message = msghdr()
                message.msg_name = UnsafeMutableRawPointer(addressPointer)
                message.msg_namelen = socklen_t(MemoryLayout<sockaddr_nl>.size)
                message.msg_iov = vectorBuffer.baseAddress
                message.msg_iovlen = vectorBuffer.count
                return sendmsg(fileDescriptor, &message, 0)
            }
        }
        guard sent >= 0 else {
            throw NetfilterError.system(operation: "sending a batch of \(bytes) bytes", errno: errno)
        }
        try collectVerdict(batch)
    }

    /// The kernel handles a batch inside `sendmsg`, so its replies are already queued: read
    /// them without blocking until the commit ack or the end of the queue.
    private func collectVerdict(_ batch: NetfilterBatch) throws {
        var failures: [MessageFailure] = []
        var committed = false
        var lost = false
        var waitedOnce = false
        receiving: while true {
            let received = recv(fileDescriptor, receiveBuffer.baseAddress, receiveBuffer.count, Int32(MSG_DONTWAIT))
            if received < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == ENOBUFS { lost = true; continue }
                if code == EAGAIN || code == EWOULDBLOCK {
                    // Nothing at all yet would be unusual; give the kernel one blocking read.
                    if failures.isEmpty && !committed && !waitedOnce {
                        waitedOnce = true
                        var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
                        _ = poll(&descriptor, 1, 5_000)
                        continue
                    }
                    break
                }
                throw NetfilterError.system(operation: "reading the batch replies", errno: code)
            }
            for reply in NetlinkReplies(UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<received])) {
                guard reply.type == UInt16(NLMSG_ERROR), let error = reply.error else { continue }
                if error.code == 0 {
                    if reply.sequence == batch.endSequence { committed = true; break receiving }
                    continue
                }
                failures.append(failure(error, sequence: reply.sequence, batch: batch))
            }
        }
        if failures.contains(where: { $0.errno == ERESTART }) {
            throw NetfilterError.generationChanged
        }
        if !failures.isEmpty || !committed {
            throw NetfilterError.batchRejected(failures, repliesLost: lost || (failures.isEmpty && !committed))
        }
    }

    private func failure(_ error: NetlinkReplies.ErrorReply, sequence: UInt32, batch: NetfilterBatch) -> MessageFailure {
        var location: AttributeLocation?
        if let offset = error.attributeOffset, let start = batch.messageStart(forSequence: sequence) {
            let header = start.assumingMemoryBound(to: nlmsghdr.self).pointee
            let message = UnsafeRawBufferPointer(start: start, count: Int(header.nlmsg_len))
            location = AttributeLocation.locate(offset: Int(offset), in: message,
                                                messageType: UInt8(truncatingIfNeeded: header.nlmsg_type))
        }
        return MessageFailure(sequence: sequence, tag: batch.tag(forSequence: sequence), errno: -error.code,
                              attribute: location, message: error.text)
    }

    // MARK: Requests and dumps

    /// The messages of the next reply buffer; valid until the next receive.
    func receive(operation: String) throws -> NetlinkReplies {
        while true {
            let received = mnl_socket_recvfrom(socket, receiveBuffer.baseAddress, receiveBuffer.count)
            if received >= 0 { return NetlinkReplies(UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<received])) }
            if errno != EINTR { throw NetfilterError.system(operation: operation, errno: errno) }
        }
    }

    /// Sends one request and hands every reply message to `handle` until the request is done.
    func request(_ type: nf_tables_msg_types, family: NetfilterFamily, dump: Bool, operation: String,
                 payload: (UnsafeMutablePointer<nlmsghdr>) -> Void,
                 handle: (UnsafePointer<nlmsghdr>) throws -> Void) throws {
        let sequence = reserveSequences(1)
        var buffer = [UInt8](repeating: 0, count: 8192)
        let length = buffer.withUnsafeMutableBytes { raw -> Int in
            let flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK)
            let header = pp_nlmsg_build_hdr(raw.baseAddress!.assumingMemoryBound(to: CChar.self),
                                            UInt16(type.rawValue), UInt16(family.rawValue), UInt16(flags), sequence)!
            payload(header)
            return Int(header.pointee.nlmsg_len)
        }
        let sent = buffer.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, length) }
        guard sent >= 0 else { throw NetfilterError.system(operation: operation, errno: errno) }
        while true {
            for reply in try receive(operation: operation) where reply.sequence == sequence {
                switch Int32(reply.type) {
                case NLMSG_DONE:
                    return
                case NLMSG_ERROR:
                    let code = reply.error?.code ?? 0
                    if code != 0 { throw NetfilterError.request(operation: operation, errno: -code) }
                    if !dump { return }
                default:
                    try handle(reply.header)
                }
            }
        }
    }
}
