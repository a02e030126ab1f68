import NetworkNamespaces
import Testing
@testable import NetfilterNetlink

/// Many chains' rules read at once (two sockets on two threads, replies a `recvmmsg` at a time)
/// must equal each chain's own dump: the same rules in the same order, empty chains empty, a
/// chain longer than one reply buffer whole; a chain the table lacks empty (as its own dump).
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct ChainRuleDumpsTests {
    @Test func manyChainsReadAsEachChainsOwnDump() throws {
        let chainCount = NetfilterSocket.chainBlock * 3 + 5
        // Rules of about 100 bytes: 600 of them span several 32 KiB reply buffers.
        let longChain = 7
        let result = try NamespaceThread.runInNewNamespace { () throws -> ([[RuleInfo]], [[RuleInfo]], [[RuleInfo]], Bool) in
            let socket = try NetfilterSocket()
            let batch = socket.makeBatch()
            batch.addTable(family: .ipv4, name: "t", tag: 0)
            var tag = 1
            for chain in 0..<chainCount {
                batch.addChain(family: .ipv4, table: "t", name: ObjectName("c\(chain)"), tag: tag)
                tag += 1
                let rules = chain == longChain ? 600 : chain % 4
                for rule in 0..<rules {
                    let mark = RegisterData.hostOrder(UInt32(chain * 1000 + rule))
                    try batch.addRule(family: .ipv4, table: "t", chain: ObjectName("c\(chain)"),
                                      expressions: [.meta(Meta(key: .mark, destination: .r1)), .cmp(Cmp(.eq, mark)),
                                                    .counter(Counter()), .immediate(Immediate(verdict: rule % 2 == 0 ? .accept : .drop))],
                                      userData: rule % 3 == 0 ? Array("rule \(rule)".utf8) : nil, tag: tag)
                    tag += 1
                }
            }
            try socket.commit(batch)
            let names = (0..<chainCount).map { ObjectName("c\($0)") }
            let single = try names.map { try socket.rules(family: .ipv4, table: "t", chain: $0) }
            let concurrent = try socket.rules(family: .ipv4, table: "t", chains: names, concurrentFrom: 1)
            let oneThread = try socket.rules(family: .ipv4, table: "t", chains: names, concurrentFrom: .max)
            #expect(socket.namespaceCookie != nil)
            let withMissing = try socket.rules(family: .ipv4, table: "t", chains: names + ["absent"], concurrentFrom: 1)
            let missing = try socket.rules(family: .ipv4, table: "t", chain: "absent")
            return (single, concurrent, oneThread, withMissing == single + [[]] && missing.isEmpty)
        }
        let (single, concurrent, oneThread, missingReadsEmpty) = result
        #expect(single[longChain].count == 600)
        #expect(single[4].isEmpty && single[3].count == 3)
        #expect(concurrent == single)
        #expect(oneThread == single)
        #expect(missingReadsEmpty)
    }

    /// A socket opened in another namespace than the calling thread's reads alone: a second
    /// socket opened here would dump this namespace's rules.
    @Test func aSocketFromAnotherNamespaceReadsItsOwn() throws {
        let socket = try NamespaceThread.runInNewNamespace { () throws -> NetfilterSocket in
            let socket = try NetfilterSocket()
            let batch = socket.makeBatch()
            batch.addTable(family: .ipv4, name: "t", tag: 0)
            batch.addChain(family: .ipv4, table: "t", name: "c", tag: 1)
            try batch.addRule(family: .ipv4, table: "t", chain: "c",
                              expressions: [.counter(Counter()), .immediate(Immediate(verdict: .accept))], tag: 2)
            try socket.commit(batch)
            return socket
        }
        // This thread is in the test process's namespace, which has no table t.
        // Enough blocks that a second thread, were there one, would take some.
        let count = NetfilterSocket.chainBlock * 40
        let rules = try socket.rules(family: .ipv4, table: "t", chains: Array(repeating: "c", count: count), concurrentFrom: 1)
        #expect(rules.map(\.count) == Array(repeating: 1, count: count))
    }
}
