import ClusterState
@testable import NetfilterApply
import NetfilterNetlink
import RuleModel
import Testing
import TestSupport

/// Which layout's snapshot a read-ahead holds, against the in-memory kernel: each applier's
/// read-ahead is of its own layout, a take of the other kind gives nothing (the apply then
/// reads for itself), and the read-ahead for a layout not known yet reads the record of the
/// layout the namespace was last written with.
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

    /// `packetpath apply` without `--backend` into a namespace last written with the
    /// nftables layout: the read-ahead is an nftables snapshot, and the apply plans from it
    /// without reading the record again.
    @Test func eitherLayoutReadsTheNFTablesRecordOfAnNFTablesNamespace() throws {
        let kernel = FakeKernel()
        let state = try Record.base()
        _ = try Record.recording.apply(Record.rulesets(state), connection: kernel)
        guard case .nftables(let snapshot) = KernelReadAhead.eitherLayout(connection: kernel).take() else {
            Issue.record("not an nftables snapshot")
            return
        }
        #expect(snapshot.record != nil)

        let changed = Record.rulesets(Incremental.withOneMoreEndpoint(state))
        let counting = CountingConnection(kernel)
        let readAhead = KernelReadAhead.eitherLayout(connection: kernel)
        #expect(try Record.recording.apply(changed, connection: counting, readAhead: readAhead).outcome == .applied)
        #expect(counting.dumpedSets.isEmpty, "dumped \(counting.dumpedSets)")
        #expect(try Record.canonical(kernel) == Incremental.fresh(try Incremental.programs(Incremental.withOneMoreEndpoint(state))))
        // Without it the same apply reads the record (the check above can fail).
        let more = Record.rulesets(Incremental.withOneMoreService(Incremental.withOneMoreEndpoint(state)))
        let unaided = CountingConnection(kernel)
        #expect(try Record.recording.apply(more, connection: unaided).outcome == .applied)
        #expect(unaided.dumpedSets.contains(NFTablesDigestRecord.stateSet.name))
    }

    /// A namespace last written with the iptables layout, or by no one: an iptables snapshot,
    /// with the chain-digest record when there is one.
    @Test func eitherLayoutReadsTheIPTablesRecordOtherwise() throws {
        let kernel = FakeKernel()
        guard case .iptables(let empty) = KernelReadAhead.eitherLayout(connection: kernel).take() else {
            Issue.record("an empty namespace's read-ahead is not an iptables snapshot")
            return
        }
        #expect(empty.digests.allSatisfy { $0 == nil })

        let (before, after, _) = try ReadAheadTests.rulesets()
        _ = try NetfilterApplier().apply(before, connection: kernel)
        guard case .iptables(let snapshot) = KernelReadAhead.eitherLayout(connection: kernel).take() else {
            Issue.record("not an iptables snapshot")
            return
        }
        #expect(snapshot.digests.contains { $0 != nil })
        let counting = CountingConnection(kernel)
        #expect(try NetfilterApplier().apply(after, connection: counting, readAhead: KernelReadAhead.eitherLayout(connection: kernel))
                    .outcome == .applied)
        #expect(counting.dumpedSets.isEmpty, "dumped \(counting.dumpedSets)")
    }
}
