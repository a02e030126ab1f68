import CNetfilter
import CNetfilterShims
#if canImport(Glibc)
import Glibc
#endif

/// Chains of one table read by name, many requests per `sendmsg`.
///
/// Listing a table's chains is a dump, and the kernel resumes a chain dump by walking the
/// family's chains from the first for every reply buffer: at 110,000 chains that walk was 56%
/// of reading kube-proxy's table back (perf, 10,000 Services). A chain asked for by name is a
/// single answer (the kernel finds it by hash), and single answers, unlike dumps, can be
/// asked for many at a time: the kernel answers each request of a `sendmsg` in turn.
extension NetfilterSocket {
    /// Requests sent per `sendmsg`: their answers (one small buffer each) must fit in the
    /// socket's receive buffer, or some would be dropped.
    static let chainRequestsPerSend = 256

    /// Each chain of `names` in `table`, or nil where the table has no such chain.
    public func chains(family: NetfilterFamily, table: ObjectName, names: [ObjectName]) throws -> [ChainInfo?] {
        var found = [ChainInfo?](repeating: nil, count: names.count)
        // A request is a header and two names of up to 256 bytes each.
        var request = [UInt8](repeating: 0, count: Self.chainRequestsPerSend * 1024)
        let operation = "reading chains of \(family) \(table)"
        var start = 0
        while start < names.count {
            let group = start..<min(start + Self.chainRequestsPerSend, names.count)
            let first = reserveSequences(group.count)
            let length = request.withUnsafeMutableBytes { raw -> Int in
                var offset = 0
                for index in group {
                    let header = pp_nlmsg_build_hdr((raw.baseAddress! + offset).assumingMemoryBound(to: CChar.self),
                                                    UInt16(NFT_MSG_GETCHAIN.rawValue), UInt16(family.rawValue),
                                                    UInt16(NLM_F_REQUEST), first &+ UInt32(index - group.lowerBound))!
                    let chain = nftnl_chain_alloc()!
                    table.withCString { nftnl_chain_set_str(chain, UInt16(NFTNL_CHAIN_TABLE.rawValue), $0) }
                    names[index].withCString { nftnl_chain_set_str(chain, UInt16(NFTNL_CHAIN_NAME.rawValue), $0) }
                    nftnl_chain_nlmsg_build_payload(header, chain)
                    nftnl_chain_free(chain)
                    offset += (Int(header.pointee.nlmsg_len) + 3) & ~3
                }
                return offset
            }
            let sent = request.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, length) }
            guard sent >= 0 else { throw NetfilterError.system(operation: operation, errno: errno) }
            var open = group.count
            while open > 0 {
                for reply in try receive(operation: operation) {
                    let position = Int(reply.sequence &- first)
                    guard position >= 0, position < group.count else { continue }
                    open -= 1
                    if Int32(reply.type) == NLMSG_ERROR {
                        let code = reply.error?.code ?? 0
                        if code != 0 && code != -ENOENT {
                            throw NetfilterError.request(operation: "\(operation) \(names[group.lowerBound + position])", errno: -code)
                        }
                        continue
                    }
                    let chain = nftnl_chain_alloc()!
                    defer { nftnl_chain_free(chain) }
                    guard nftnl_chain_nlmsg_parse(reply.header, chain) == 0 else {
                        throw NetfilterError.unparsedReply(operation: "\(operation) \(names[group.lowerBound + position])")
                    }
                    found[group.lowerBound + position] = Self.chainInfo(chain, family: family, table: table)
                }
            }
            start = group.upperBound
        }
        return found
    }
}
