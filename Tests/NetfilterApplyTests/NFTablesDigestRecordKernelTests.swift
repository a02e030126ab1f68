import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import NFTablesEncoding
import PacketPath
import RuleModel
import Testing
import TestSupport

/// A fresh applier planning from the digest record in a real namespace. NEEDS ROOT: skipped
/// otherwise (and failing when PACKETPATH_REQUIRE_PRIVILEGED=1 demands privileges).
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NFTablesDigestRecordKernelTests {
    typealias Incremental = NFTablesIncrementalFakeTests

    /// `nft list table ip kube-proxy` of a namespace into which `state` was applied whole.
    static func freshListing(_ state: ClusterState) throws -> String {
        let fresh = try ScratchNamespace(tag: "nftrf")
        defer { fresh.remove() }
        _ = try NFTablesIncrementalKernelTests.apply(try Incremental.programs(state), in: fresh)
        return NFTablesIncrementalKernelTests.blocksSorted(try fresh.output(["nft", "list", "table", "ip", "kube-proxy"]))
    }

    @Test func oneMoreEndpointReadsOnlyTheChangedChainAndAForeignFlushIsRepaired() throws {
        let scratch = try ScratchNamespace(tag: "nftrec")
        defer { scratch.remove() }
        let state = try FakeFixtures.state("upstream-overall-scenario")
        let changed = Incremental.withOneMoreEndpoint(state)
        let applier = NFTablesApplier(recordDigests: true)
        #expect(try applier.apply(NFTablesDigestRecordTests.rulesets(state), into: scratch.namespace).outcome == .applied)

        try NetfilterSocket.withSocket(in: scratch.namespace) { socket in
            let counting = CountingConnection(NetlinkConnection(socket))
            let readAhead = applier.readAhead(connection: counting)
            let dumped = counting.dumpedSets.count
            let report = try applier.apply(NFTablesDigestRecordTests.rulesets(changed), connection: counting, readAhead: readAhead)
            #expect(report.outcome == .applied)
            #expect(counting.rulesRead.count == 1, "read the rules of \(counting.rulesRead)")
            #expect(counting.dumpedSets.count == dumped, "dumped \(counting.dumpedSets[dumped...])")
            #expect(counting.chainListings == 0)
        }
        let listed = NFTablesIncrementalKernelTests.blocksSorted(try scratch.output(["nft", "list", "table", "ip", "kube-proxy"]))
        let expected = try Self.freshListing(changed)
        #expect(listed == expected, "\(firstDifference(listed, expected))")

        // Someone else flushes a chain PacketPath wrote: the record would call the state
        // unchanged, but the generation no longer vouches for it, and the apply reads it all back.
        let program = try Incremental.programs(changed)[0]
        let regular = Set(program.chains.filter { $0.base == nil }.map(\.name))
        let chain = try #require(program.rules.first { regular.contains($0.chain) }?.chain)
        try NetfilterSocket.withSocket(in: scratch.namespace) { socket in
            let connection = NetlinkConnection(socket)
            var transaction = Transaction()
            transaction.append(.flushChain(ChainKey(TableKey(program.family, program.table), chain)))
            _ = try connection.commit(transaction, generation: try connection.generation())
        }
        #expect(try applier.apply(NFTablesDigestRecordTests.rulesets(changed), into: scratch.namespace,
                                  readAhead: applier.readAhead(scratch.namespace)).outcome == .applied)
        let repaired = NFTablesIncrementalKernelTests.blocksSorted(try scratch.output(["nft", "list", "table", "ip", "kube-proxy"]))
        #expect(repaired == expected, "\(firstDifference(repaired, expected))")
        #expect(try NFTablesIncrementalKernelTests.apply(try Incremental.programs(changed), in: scratch,
                                                         options: ApplyOptions(alwaysReadBack: true)).outcome == .unchangedAfterReadBack)

        // Reset removes the record with the tables.
        _ = try NFTablesApplier().reset(scratch.namespace)
        #expect(try scratch.ruleset().isEmpty)
    }
}
