import ClusterState
import NetfilterApply
import NetfilterNetlink
import RuleModel
import Testing
import TestSupport

/// What `packetpath apply` reads while the manifests decode (`NetfilterApplier.readAhead`),
/// against the in-memory kernel.
struct ReadAheadTests {
    static func rulesets() throws -> (before: [Ruleset], after: [Ruleset], later: [Ruleset]) {
        let state = try FakeFixtures.state("upstream-overall-scenario")
        var fewer = state
        fewer.endpointSlices[0].endpoints.removeLast()
        return (FakeFixtures.services(state), FakeFixtures.services(IncrementalApplyTests.withOneMoreEndpoint(state)),
                FakeFixtures.services(fewer))
    }

    @Test func aReadAheadSparesTheDigestDump() throws {
        let (before, after, _) = try Self.rulesets()
        let kernel = FakeKernel()
        _ = try NetfilterApplier().apply(before, connection: kernel)
        let readAhead = NetfilterApplier().readAhead(connection: kernel)

        let counting = CountingConnection(kernel)
        #expect(try NetfilterApplier().apply(after, connection: counting, readAhead: readAhead).outcome == .applied)
        #expect(counting.dumpedSets.isEmpty, "dumped \(counting.dumpedSets)")
        #expect(IncrementalApplyTests.chainsSorted(try kernel.rulesDump())
                    == IncrementalApplyTests.chainsSorted(try IncrementalApplyTests.freshDump(after)))
    }

    /// Someone committed after the read-ahead: its tables and record are not the kernel's any
    /// more, and the apply reads them again.
    @Test func aReadAheadFromAnEarlierGenerationIsNotUsed() throws {
        let (before, after, later) = try Self.rulesets()
        let kernel = FakeKernel()
        _ = try NetfilterApplier().apply(before, connection: kernel)
        let readAhead = NetfilterApplier().readAhead(connection: kernel)
        _ = try NetfilterApplier().apply(after, connection: kernel)

        let counting = CountingConnection(kernel)
        #expect(try NetfilterApplier().apply(later, connection: counting, readAhead: readAhead).outcome == .applied)
        #expect(!counting.dumpedSets.isEmpty)
        #expect(IncrementalApplyTests.chainsSorted(try kernel.rulesDump())
                    == IncrementalApplyTests.chainsSorted(try IncrementalApplyTests.freshDump(later)))
        #expect(try NetfilterApplier(options: ApplyOptions(alwaysReadBack: true)).apply(later, connection: kernel).outcome
                    == .unchangedAfterReadBack)
    }
}
