import CNetfilter
import CNetfilterShims
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The rules of many chains of one table: one dump per chain (a table-wide dump costs the
/// square of the rule count, `RuleDump.swift`), each in two system calls, on two sockets.
///
/// A chain dump's first reply buffer is filled inside the request's `sendmsg`; reading it
/// makes the kernel fill the next (NLMSG_DONE for a kube-proxy chain) before `recvmsg`
/// returns, so one `recvmmsg` that waits only for its first datagram (MSG_WAITFORONE) takes
/// the whole answer instead of two `recvmsg` calls. Dumps on different sockets run side by
/// side in the kernel (a socket holds one dump at a time), so large tables are read on two
/// threads, each with its own socket in the same namespace, taking blocks of chains in turn.
extension NetfilterSocket {
    /// Chains below this many are read on one thread.
    public static let concurrentChainThreshold = 2048
    /// Chains a thread takes at a time from the shared list.
    static let chainBlock = 64
    /// Reply datagrams one `recvmmsg` takes: slots of 32 KiB, the most a dump buffer holds
    /// (the kernel caps it at 32 KiB whatever the receive size).
    static let replySlots = 8
    static let replySlotSize = 32 << 10

    /// The rules of each chain of `chains` in `table`, in order, with their expressions; a
    /// chain the table lacks reads as empty, as a single chain's dump does (the kernel ends
    /// it without an error). Two threads from `concurrentFrom` chains on.
    public func rules(family: NetfilterFamily, table: ObjectName, chains: [ObjectName],
                      concurrentFrom: Int = concurrentChainThreshold) throws -> [[RuleInfo]] {
        func oneThread() throws -> [[RuleInfo]] {
            try chains.map { try dumpChainRules(family: family, table: table, chain: $0) }
        }
        guard chains.count >= concurrentFrom else { return try oneThread() }
        // Opened on this thread, used only by the second one. A socket stays in the namespace
        // it was opened in, which need not be this thread's: then one thread reads alone.
        nonisolated(unsafe) let second = try NetfilterSocket()
        guard let cookie = namespaceCookie, second.namespaceCookie == cookie else { return try oneThread() }
        let results = UnsafeMutableBufferPointer<[RuleInfo]>.allocate(capacity: chains.count)
        results.initialize(repeating: [])
        let failures = UnsafeMutableBufferPointer<(any Error)?>.allocate(capacity: 2)
        failures.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
            failures.deinitialize()
            failures.deallocate()
        }
        // The next block to take, shared: a thread the scheduler holds back takes fewer.
        let next = Atomic<Int>(0)
        nonisolated(unsafe) let first = self
        nonisolated(unsafe) let output = results
        nonisolated(unsafe) let errors = failures
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            let socket = part == 0 ? first : second
            do {
                while true {
                    let start = next.wrappingAdd(Self.chainBlock, ordering: .relaxed).oldValue
                    guard start < chains.count else { break }
                    for index in start..<min(start + Self.chainBlock, chains.count) {
                        output[index] = try socket.dumpChainRules(family: family, table: table, chain: chains[index])
                    }
                }
            } catch {
                errors[part] = error
                // The other thread stops at its next block.
                next.wrappingAdd(chains.count, ordering: .relaxed)
            }
        }
        if let error = failures[0] ?? failures[1] { throw error }
        return Array(results)
    }

    /// How rule messages become `RuleInfo`: in place (`RuleMessageDecoder`, libnftnl for
    /// what it does not cover) or all through libnftnl (what tests compare against).
    enum RuleDecoding {
        case inPlace, libnftnl
    }

    /// The socket's network namespace (SO_NETNS_COOKIE, Linux 5.14), nil where unsupported.
    var namespaceCookie: UInt64? {
        var cookie: UInt64 = 0
        var length = socklen_t(MemoryLayout<UInt64>.size)
        // SO_NETNS_COOKIE; Glibc's headers may predate it.
        return getsockopt(fileDescriptor, SOL_SOCKET, 71, &cookie, &length) == 0 ? cookie : nil
    }

    /// One chain's rule dump: the request, then its replies a `recvmmsg` at a time.
    func dumpChainRules(family: NetfilterFamily, table: ObjectName, chain: ObjectName,
                        decoding: RuleDecoding = .inPlace) throws -> [RuleInfo] {
        // Nothing allocated per chain (110,000 of them): the request is built on the stack with
        // the two attributes libnftnl would put, and the error text only when it is needed.
        func operation() -> String { "listing rules of \(family) \(table) \(chain)" }
        let sequence = reserveSequences(1)
        let sent = withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 8) { raw -> Int in
            let header = pp_nlmsg_build_hdr(raw.baseAddress!.assumingMemoryBound(to: CChar.self),
                                            UInt16(NFT_MSG_GETRULE.rawValue), UInt16(family.rawValue),
                                            UInt16(NLM_F_REQUEST | NLM_F_DUMP), sequence)!
            table.withCString { mnl_attr_put_strz(header, UInt16(NFTA_RULE_TABLE.rawValue), $0) }
            chain.withCString { mnl_attr_put_strz(header, UInt16(NFTA_RULE_CHAIN.rawValue), $0) }
            return mnl_socket_sendto(socket, raw.baseAddress, Int(header.pointee.nlmsg_len))
        }
        guard sent >= 0 else { throw NetfilterError.system(operation: operation(), errno: errno) }
        var rules: [RuleInfo] = []
        return try withUnsafeTemporaryAllocation(of: Int.self, capacity: Self.replySlots) { lengths in
            while true {
                let received = pp_recv_many(fileDescriptor, receiveBuffer.baseAddress, Self.replySlotSize, UInt32(Self.replySlots),
                                            lengths.baseAddress!)
                if received < 0 {
                    if errno == EINTR { continue }
                    throw NetfilterError.system(operation: operation(), errno: errno)
                }
                for slot in 0..<Int(received) {
                    guard lengths[slot] <= Self.replySlotSize else {
                        throw NetfilterError.system(operation: operation(), errno: EMSGSIZE)
                    }
                    let start = receiveBuffer.baseAddress! + slot * Self.replySlotSize
                    for reply in NetlinkReplies(UnsafeRawBufferPointer(start: start, count: lengths[slot]))
                    where reply.sequence == sequence {
                        switch Int32(reply.type) {
                        case NLMSG_DONE:
                            return rules
                        case NLMSG_ERROR:
                            let code = reply.error?.code ?? 0
                            if code != 0 { throw NetfilterError.request(operation: operation(), errno: -code) }
                        default:
                            if decoding == .inPlace,
                               let rule = RuleMessageDecoder.rule(reply.header, family: family, attributes: expressionAttributes) {
                                rules.append(rule)
                                continue
                            }
                            rulesParsedByLibnftnl += 1
                            let rule = nftnl_rule_alloc()!
                            defer { nftnl_rule_free(rule) }
                            guard nftnl_rule_nlmsg_parse(reply.header, rule) == 0 else {
                                throw NetfilterError.unparsedReply(operation: operation())
                            }
                            rules.append(Self.ruleValue(rule, family: family))
                        }
                    }
                }
            }
        }
    }
}
