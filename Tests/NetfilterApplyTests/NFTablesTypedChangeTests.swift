import ClusterState
import NetfilterApply
import NetfilterNetlink
import NFTablesEncoding
import PacketPath
import RuleModel
import Testing
import TestSupport

/// The nftables layout's changes planned from the typed tables an applier remembers
/// (`apply --watch`), against the in-memory kernel: nothing read back, only the changed
/// chains and elements sent — the operations a plan from a full read-back makes — and a
/// commit by someone else sends it back to reading the kernel.
@Suite struct NFTablesTypedChangeTests {
    typealias Incremental = NFTablesIncrementalFakeTests

    static func rulesets(_ state: ClusterState) -> [Ruleset] {
        Pipeline.compileNFTables(state, families: Pipeline.defaultFamilies(for: state))
    }

    /// The overall scenario applied by an applier with a memory, given typed tables.
    struct Applied {
        let kernel = FakeKernel()
        let memory = ApplyMemory()
        let applier: NFTablesApplier
        let state: ClusterState

        init() throws {
            applier = NFTablesApplier(options: ApplyOptions(memory: memory))
            state = try FakeFixtures.state("upstream-overall-scenario")
            _ = try applier.apply(NFTablesTypedChangeTests.rulesets(state), connection: kernel)
        }
    }

    /// Applies `rulesets` with `applier` and checks that nothing was read back, that the
    /// operations are those a plan from a read-back of the kernel makes, and that the kernel
    /// ends as a fresh apply leaves it.
    static func applyFromMemory(_ rulesets: [Ruleset], _ applier: NFTablesApplier, _ kernel: FakeKernel,
                                sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> ApplyReport {
        let planned = try NFTablesApplier(options: ApplyOptions(alwaysReadBack: true, dryRun: true)).apply(rulesets, connection: kernel)
        let (chains, sets) = (kernel.chainsRead.count, kernel.setsRead.count)
        let report = try applier.apply(rulesets, connection: kernel)
        #expect(kernel.chainsRead.count == chains, "read back \(kernel.chainsRead[chains...].map(\.name))", sourceLocation: sourceLocation)
        #expect(kernel.setsRead.count == sets, "read back \(kernel.setsRead[sets...])", sourceLocation: sourceLocation)
        #expect(report.operations == planned.operations, sourceLocation: sourceLocation)
        #expect((report.rulesWritten, report.rulesDeleted) == (planned.rulesWritten, planned.rulesDeleted),
                sourceLocation: sourceLocation)
        #expect(try Incremental.canonical(kernel) == Incremental.fresh(NFTablesApplier.programs(rulesets)),
                sourceLocation: sourceLocation)
        return report
    }

    @Test func oneMoreEndpointSendsItsServiceChainAndTheNewEndpointChain() throws {
        let applied = try Applied()
        let changed = Self.rulesets(Incremental.withOneMoreEndpoint(applied.state))
        let report = try Self.applyFromMemory(changed, applied.applier, applied.kernel)
        #expect(report.outcome == .applied)
        let transaction = try #require(applied.kernel.lastTransaction)
        let touched = Incremental.chains(transaction)
        #expect(touched.created.count == 1 && touched.created.allSatisfy { $0.hasPrefix("endpoint-") }, "\(touched.created)")
        #expect(touched.flushed.count == 1 && touched.flushed.allSatisfy { $0.hasPrefix("service-") }, "\(touched.flushed)")
        #expect(touched.written == touched.flushed.union(touched.created) && touched.deleted.isEmpty)
        #expect(transaction.counts[.addTable] == nil && transaction.counts[.deleteTable] == nil)
        #expect(transaction.counts[.deleteElements] == nil && transaction.counts[.deleteSet] == nil)
        // The two chains' rules, their anonymous maps, and nothing else.
        #expect(transaction.count <= 2 + report.rulesWritten + 2 * (transaction.counts[.addSet] ?? 0), "\(transaction.counts)")
    }

    @Test func oneMoreServiceAndItsRemovalSendOnlyItsObjects() throws {
        let applied = try Applied()
        let original = Self.rulesets(applied.state)
        let changed = Self.rulesets(Incremental.withOneMoreService(applied.state))
        #expect(try Self.applyFromMemory(changed, applied.applier, applied.kernel).outcome == .applied)
        let added = Incremental.chains(try #require(applied.kernel.lastTransaction))
        #expect(added.flushed.isEmpty && added.deleted.isEmpty && !added.created.isEmpty, "\(added)")

        #expect(try Self.applyFromMemory(original, applied.applier, applied.kernel).outcome == .applied)
        let removed = Incremental.chains(try #require(applied.kernel.lastTransaction))
        #expect(removed.deleted == added.created && removed.created.isEmpty, "\(removed)")
    }

    @Test func theSameTablesAgainSendNothing() throws {
        let applied = try Applied()
        let commits = applied.kernel.commits
        let report = try applied.applier.apply(Self.rulesets(applied.state), connection: applied.kernel)
        #expect(report.outcome == .unchangedSinceLastApply)
        #expect(applied.kernel.commits == commits)
    }

    /// Someone else's commit moves the generation: the tables are read back, which shows the
    /// chain the other writer emptied, and the change repairs it.
    @Test func aForeignCommitMakesItReadBack() throws {
        let applied = try Applied()
        let (kernel, state) = (applied.kernel, applied.state)
        let program = try #require(try NFTablesApplier.programs(Self.rulesets(state)).first)
        let regular = Set(program.chains.filter { $0.base == nil }.map(\.name))
        let chain = try #require(program.rules.first { regular.contains($0.chain) }?.chain)
        try kernel.commitForeign([.flushChain(ChainKey(TableKey(program.family, program.table), chain))])

        let sets = kernel.setsRead.count
        let changed = Self.rulesets(Incremental.withOneMoreEndpoint(state))
        #expect(try applied.applier.apply(changed, connection: kernel).outcome == .applied)
        #expect(kernel.setsRead.count > sets)
        #expect(try Incremental.canonical(kernel) == Incremental.fresh(NFTablesApplier.programs(changed)))
        // Its own commit again: the next change is planned from the memory.
        #expect(try Self.applyFromMemory(Self.rulesets(state), applied.applier, kernel).outcome == .applied)
    }

    /// Every case in turn from the previous one: planned from the memory where it can be, the
    /// same operations as from a read-back, and the kernel as a fresh apply leaves it.
    @Test func everyCaseFromTheMemoryPlansWhatAReadBackPlans() throws {
        let kernel = FakeKernel()
        let applier = NFTablesApplier(options: ApplyOptions(memory: ApplyMemory()))
        var previous: [Ruleset]?
        for name in SharedCases.names {
            let rulesets = Self.rulesets(try FakeFixtures.state(name))
            if let previous, Set(previous.flatMap { $0.tables.map(\.name) }) == Set(rulesets.flatMap { $0.tables.map(\.name) }),
               previous.map(\.family) == rulesets.map(\.family) {
                _ = try Self.applyFromMemory(rulesets, applier, kernel)
            } else {
                _ = try applier.apply(rulesets, connection: kernel)
                #expect(try Incremental.canonical(kernel) == Incremental.fresh(NFTablesApplier.programs(rulesets)), "\(name)")
            }
            previous = rulesets
        }
    }
}
