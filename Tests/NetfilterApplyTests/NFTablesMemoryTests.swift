import ClusterState
import NetfilterApply
import NetfilterNetlink
import NFTablesEncoding
import Testing
import TestSupport

/// The nftables layout's applies with a memory (`apply --watch`) against the in-memory kernel:
/// after PacketPath's own commit nothing is read back, and what is planned from the memory is
/// what a read-back would have planned.
@Suite struct NFTablesMemoryTests {
    typealias Incremental = NFTablesIncrementalFakeTests

    /// The overall scenario applied by an applier with a memory, into a fresh in-memory kernel.
    struct Applied {
        let kernel = FakeKernel()
        let memory = ApplyMemory()
        let applier: NFTablesApplier
        let state: ClusterState
        let programs: [NFTablesProgram]

        init() throws {
            applier = NFTablesApplier(options: ApplyOptions(memory: memory))
            state = try FakeFixtures.state("upstream-overall-scenario")
            programs = try Incremental.programs(state)
            _ = try applier.apply(programs, connection: kernel)
        }
    }

    @Test func afterItsOwnCommitTheNextChangeReadsNothingBack() throws {
        let applied = try Applied()
        let (kernel, memory, applier, state) = (applied.kernel, applied.memory, applied.applier, applied.state)
        #expect(memory.knowsNFTablesTables)

        let (chains, sets) = (kernel.chainsRead.count, kernel.setsRead.count)
        let changed = try Incremental.programs(Incremental.withOneMoreEndpoint(state))
        #expect(try applier.apply(changed, connection: kernel).outcome == .applied)
        #expect(kernel.chainsRead.count == chains, "read back \(kernel.chainsRead[chains...].map(\.name))")
        #expect(kernel.setsRead.count == sets, "read back \(kernel.setsRead[sets...])")
        let touched = Incremental.chains(try #require(kernel.lastTransaction))
        #expect(touched.flushed.count == 1 && touched.created.count == 1, "\(touched)")
        #expect(try Incremental.canonical(kernel) == Incremental.fresh(changed))
    }

    /// Every case in turn: the memory's plan has the operations of a plan made from a full
    /// read-back, and the kernel ends as a fresh apply leaves it.
    @Test func theMemoryPlansWhatAReadBackPlans() throws {
        let kernel = FakeKernel()
        let memory = ApplyMemory()
        for name in SharedCases.names {
            let programs = try Incremental.programs(try FakeFixtures.state(name))
            let fromMemory = try NFTablesApplier(options: ApplyOptions(dryRun: true, memory: memory)).apply(programs, connection: kernel)
            let fromKernel = try NFTablesApplier(options: ApplyOptions(alwaysReadBack: true, dryRun: true)).apply(programs, connection: kernel)
            #expect(fromMemory.operations == fromKernel.operations, "\(name)")
            #expect((fromMemory.rulesWritten, fromMemory.rulesDeleted) == (fromKernel.rulesWritten, fromKernel.rulesDeleted), "\(name)")

            let reads = kernel.setsRead.count
            _ = try NFTablesApplier(options: ApplyOptions(memory: memory)).apply(programs, connection: kernel)
            if memory.knowsNFTablesTables && name != SharedCases.names.first {
                #expect(kernel.setsRead.count == reads, "\(name): read back although PacketPath made the last commit")
            }
            #expect(try Incremental.canonical(kernel) == Incremental.fresh(programs), "\(name)")
            #expect(try NFTablesApplier(options: ApplyOptions(alwaysReadBack: true)).apply(programs, connection: kernel).outcome
                        == .unchangedAfterReadBack, "\(name)")
        }
    }

    @Test func someoneElsesCommitMakesItReadBackAgain() throws {
        let applied = try Applied()
        let (kernel, applier, state, programs) = (applied.kernel, applied.applier, applied.state, applied.programs)
        // Another writer empties one of PacketPath's chains: only a read-back can see that.
        let program = programs[0]
        let regular = Set(program.chains.filter { $0.base == nil }.map(\.name))
        let chain = try #require(program.rules.first { regular.contains($0.chain) }?.chain)
        try kernel.commitForeign([.flushChain(ChainKey(TableKey(program.family, program.table), chain))])

        let sets = kernel.setsRead.count
        let changed = try Incremental.programs(Incremental.withOneMoreEndpoint(state))
        #expect(try applier.apply(changed, connection: kernel).outcome == .applied)
        #expect(kernel.setsRead.count > sets)
        #expect(try Incremental.canonical(kernel) == Incremental.fresh(changed), "the flushed chain \(chain) was not refilled")
    }

    @Test func aFailedCommitForgetsWhatItRemembered() throws {
        let applied = try Applied()
        let (kernel, memory, applier, state) = (applied.kernel, applied.memory, applied.applier, applied.state)
        #expect(memory.knowsNFTablesTables)
        kernel.beforeNextCommit = { _ in throw NetfilterError.batchRejected([], repliesLost: true) }
        #expect(throws: (any Error).self) {
            try applier.apply(try Incremental.programs(Incremental.withOneMoreEndpoint(state)), connection: kernel)
        }
        #expect(!memory.knowsNFTablesTables)
    }
}
