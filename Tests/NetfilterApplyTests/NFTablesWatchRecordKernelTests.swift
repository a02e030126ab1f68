import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import NFTablesEncoding
import PacketPath
import RuleModel
import Testing
import TestSupport

/// A watching applier's commits keep the digest record current in a real namespace (the
/// kernel refuses to delete an element the record does not hold, so a wrong update fails the
/// batch). NEEDS ROOT: skipped otherwise (and failing when PACKETPATH_REQUIRE_PRIVILEGED=1
/// demands privileges).
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NFTablesWatchRecordKernelTests {
    typealias Incremental = NFTablesIncrementalFakeTests
    typealias Record = NFTablesDigestRecordTests

    @Test func aFreshApplyAfterWatchCommitsReadsOnlyWhatChanged() throws {
        let scratch = try ScratchNamespace(tag: "nftwrec")
        defer { scratch.remove() }
        let state = try FakeFixtures.state("upstream-overall-scenario")
        let service = Incremental.withOneMoreService(state)
        let last = Incremental.withOneMoreEndpoint(service)
        let watch = NFTablesApplier(options: ApplyOptions(memory: ApplyMemory()), recordDigests: true)
        for step in [state, Incremental.withOneMoreEndpoint(state), service] {
            #expect(try watch.apply(Record.rulesets(step), into: scratch.namespace).outcome == .applied)
        }

        let fresh = NFTablesApplier(recordDigests: true)
        try NetfilterSocket.withSocket(in: scratch.namespace) { socket in
            let counting = CountingConnection(NetlinkConnection(socket))
            #expect(try fresh.apply(Record.rulesets(service), connection: counting, readAhead: fresh.readAhead(connection: counting))
                        .outcome == .unchangedSinceLastApply)
            let report = try fresh.apply(Record.rulesets(last), connection: counting, readAhead: fresh.readAhead(connection: counting))
            #expect(report.outcome == .applied)
            #expect(counting.rulesRead.count == 1, "read the rules of \(counting.rulesRead)")
            #expect(counting.chainListings == 0)
        }
        let listed = NFTablesIncrementalKernelTests.blocksSorted(try scratch.output(["nft", "list", "table", "ip", "kube-proxy"]))
        let expected = try NFTablesDigestRecordKernelTests.freshListing(last)
        #expect(listed == expected, "\(firstDifference(listed, expected))")
        #expect(try NFTablesIncrementalKernelTests.apply(try Incremental.programs(last), in: scratch,
                                                         options: ApplyOptions(alwaysReadBack: true)).outcome == .unchangedAfterReadBack)
    }
}
