import ClusterState
@testable import NetfilterApply
import NetfilterNetlink
import RuleModel
import Testing
import TestSupport

/// Which layout's snapshot a read-ahead holds, against the in-memory kernel: each applier's
/// read-ahead is of its own layout, and a take of the other kind gives nothing (the apply
/// then reads for itself).
struct ReadAheadLayoutTests {
    typealias Record = NFTablesDigestRecordTests
    typealias Incremental = NFTablesIncrementalFakeTests

    @Test func eachAppliersReadAheadIsOfItsLayout() throws {
        let kernel = FakeKernel()
        _ = try Record.recording.apply(Record.rulesets(try Record.base()), connection: kernel)
        guard case .iptables = NetfilterApplier().readAhead(connection: kernel).take() else {
            Issue.record("the iptables applier's read-ahead is not an iptables snapshot")
            return
        }
        guard case .nftables(let snapshot) = Record.recording.readAhead(connection: kernel).take() else {
            Issue.record("the nftables applier's read-ahead is not an nftables snapshot")
            return
        }
        #expect(snapshot.record != nil)
    }

    @Test func aTakeOfTheOtherKindIsNil() throws {
        let kernel = FakeKernel()
        let iptables = NetfilterApplier().readAhead(connection: kernel)
        let nftables = NFTablesApplier().readAhead(connection: kernel)
        #expect(iptables.takeNFTables() == nil)
        #expect(nftables.takeIPTables() == nil)
        // Handed out once, whichever kind was asked for.
        #expect(iptables.take() == nil && nftables.take() == nil)
    }

    /// An iptables apply handed an nftables snapshot reads its digest record itself, and ends
    /// where a fresh apply ends.
    @Test func anIPTablesApplyGivenTheOtherKindReadsForItself() throws {
        let (before, after, _) = try ReadAheadTests.rulesets()
        let kernel = FakeKernel()
        _ = try NetfilterApplier().apply(before, connection: kernel)
        let readAhead = NFTablesApplier().readAhead(connection: kernel)
        let counting = CountingConnection(kernel)
        #expect(try NetfilterApplier().apply(after, connection: counting, readAhead: readAhead).outcome == .applied)
        #expect(!counting.dumpedSets.isEmpty)
        #expect(IncrementalApplyTests.chainsSorted(try kernel.rulesDump())
                    == IncrementalApplyTests.chainsSorted(try IncrementalApplyTests.freshDump(after)))
    }
}
