import ClusterState
import NetfilterApply
import NetworkNamespaces
import NFTablesEncoding
import Testing
import TestSupport
@testable import NetfilterNetlink

/// Rules decoded in place from the kernel's messages equal libnftnl's decoding of the same
/// messages: kube-proxy's layout entirely in place (both families), and a rule the in-place
/// decoder does not cover (an xt match) parsed by libnftnl, still equal. NEEDS ROOT.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct RuleMessageDecodingKernelTests {
    @Test func inPlaceDecodingEqualsLibnftnl() throws {
        let programs = try NFTablesIncrementalFakeTests.programs(try FakeFixtures.state("upstream-overall-scenario"),
                                                                 families: [.ipv4, .ipv6])
        #expect(programs.count == 2)
        let scratch = try ScratchNamespace(tag: "nftdec")
        defer { scratch.remove() }
        try NetfilterSocket.withSocket(in: scratch.namespace) { socket in
            _ = try NFTablesApplier().apply(programs, connection: NetlinkConnection(socket))
            let batch = socket.makeBatch()
            batch.addTable(family: .ipv4, name: "foreign", tag: 0)
            batch.addChain(family: .ipv4, table: "foreign", name: "c", tag: 1)
            batch.addChain(family: .ipv4, table: "foreign", name: "c2", tag: 4)
            try batch.addRule(family: .ipv4, table: "foreign", chain: "c",
                              expressions: [.match(.comment(XTComment("foreign"))), .counter(Counter()),
                                            .immediate(Immediate(verdict: .accept))], tag: 2)
            try batch.addRule(family: .ipv4, table: "foreign", chain: "c",
                              expressions: [.counter(Counter()), .immediate(Immediate(verdict: .jump("c2")))], tag: 3)
            try socket.commit(batch)
            var rules = 0
            var kinds: Set<String> = []
            for family in [NetfilterFamily.ipv4, .ipv6] {
                for table in try socket.tables(family: family) {
                    for chain in try socket.chains(family: family, table: table.name) {
                        let libnftnl = try socket.dumpChainRules(family: family, table: table.name, chain: chain.name,
                                                                 decoding: .libnftnl)
                        let parsedBefore = socket.rulesParsedByLibnftnl
                        let inPlace = try socket.dumpChainRules(family: family, table: table.name, chain: chain.name)
                        #expect(inPlace == libnftnl, "\(family) \(table.name) \(chain.name)")
                        let parsed = socket.rulesParsedByLibnftnl - parsedBefore
                        #expect(parsed == (table.name == "foreign" && chain.name == "c" ? 1 : 0),
                                "\(table.name) \(chain.name): \(inPlace.map { $0.expressions.map(\.description) })")
                        rules += inPlace.count
                        for rule in inPlace { kinds.formUnion(rule.expressions.map(\.kindName)) }
                    }
                }
            }
            #expect(rules > 50)
            // The kinds kube-proxy's layout holds, all decoded in place.
            #expect(kinds.isSuperset(of: ["payload", "cmp", "meta", "immediate", "lookup", "nat", "numgen", "ct", "fib",
                                          "reject", "masq", "bitwise", "counter", "dynset"]), "\(kinds.sorted())")
        }
    }
}
