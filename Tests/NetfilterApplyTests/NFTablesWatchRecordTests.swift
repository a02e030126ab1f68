import ClusterState
@testable import NetfilterApply
import NetfilterNetlink
import NFTablesEncoding
import RuleModel
import Testing
import TestSupport

/// A remembering applier that keeps the digest record (as `apply --watch` makes it), against
/// the in-memory kernel: each change it plans from its typed tables updates the record in the
/// same transaction, so a fresh applier (the next `packetpath apply` process) plans from the
/// record afterwards; anyone else's commit still makes the record untrusted.
@Suite struct NFTablesWatchRecordTests {
    typealias Record = NFTablesDigestRecordTests
    typealias Incremental = NFTablesIncrementalFakeTests

    static func watching(_ memory: ApplyMemory) -> NFTablesApplier {
        NFTablesApplier(options: ApplyOptions(memory: memory), recordDigests: true)
    }

    /// The record table's sets and elements as `Incremental.canonical` prints them, but for
    /// the state set (it names a generation, which differs between kernels).
    static func recordText(_ kernel: FakeKernel) throws -> String {
        var lines: [Substring] = []
        var inRecord = false, inState = false
        for line in try Incremental.canonical(kernel).split(separator: "\n") {
            if line.hasPrefix("table ") { inRecord = line.hasPrefix("table ip \(NFTablesDigestRecord.table.name) ") }
            if !line.hasPrefix("  ") { inState = line.hasPrefix("set state ") }
            if inRecord && !inState { lines.append(line) }
        }
        return lines.joined(separator: "\n")
    }

    static func changesRecord(_ operation: KernelOperation) -> Bool {
        switch operation {
        case .addElements(let table, _, _), .deleteElements(let table, _, _): return table == NFTablesDigestRecord.table
        default: return false
        }
    }

    /// The record's state names the kernel's generation: it vouches for the tables now.
    static func recordIsCurrent(_ kernel: FakeKernel) throws -> Bool {
        let record = try NFTablesDigestRecord.read(kernel, tables: kernel.tables(family: .ipv4))
        return try record?.generation == kernel.generation()
    }

    /// The state the tests walk through: one more endpoint, then one Service more and that
    /// endpoint gone (chains created, flushed and deleted, map elements added), and a last
    /// state one endpoint beyond that.
    static func states() throws -> [ClusterState] {
        let state = try Record.base()
        let service = Incremental.withOneMoreService(state)
        return [state, Incremental.withOneMoreEndpoint(state), service, Incremental.withOneMoreEndpoint(service)]
    }

    @Test func watchCommitsKeepTheRecordCurrent() throws {
        let kernel = FakeKernel()
        let memory = ApplyMemory()
        let watch = Self.watching(memory)
        let states = try Self.states()
        #expect(try watch.apply(Record.rulesets(states[0]), connection: kernel).outcome == .applied)
        #expect(try Self.recordIsCurrent(kernel))

        for state in states[1...2] {
            let (chains, sets) = (kernel.chainsRead.count, kernel.setsRead.count)
            #expect(try watch.apply(Record.rulesets(state), connection: kernel).outcome == .applied)
            // Planned from memory (nothing read back), the record moved in the same transaction.
            #expect(kernel.chainsRead.count == chains && kernel.setsRead.count == sets)
            let transaction = try #require(kernel.lastTransaction)
            let touched = Incremental.chains(transaction)
            #expect(transaction.operations.contains(where: Self.changesRecord) && !touched.created.isEmpty, "\(touched)")
            #expect(try Self.recordIsCurrent(kernel))
        }
        // The record holds what a fresh recording apply of the same state writes.
        let fresh = FakeKernel()
        _ = try Record.recording.apply(Record.rulesets(states[2]), connection: fresh)
        #expect(try Self.recordText(kernel) == Self.recordText(fresh))

        // A fresh applier: the same state is up to date without a read-back ...
        let again = try Record.recording.apply(Record.rulesets(states[2]), connection: kernel,
                                               readAhead: Record.recording.readAhead(connection: kernel))
        #expect(again.outcome == .unchangedSinceLastApply)
        // ... and one endpoint more reads back the one chain it flushes: the minimal plan.
        let read = kernel.chainsRead.count
        let report = try Record.recording.apply(Record.rulesets(states[3]), connection: kernel,
                                                readAhead: Record.recording.readAhead(connection: kernel))
        #expect(report.outcome == .applied)
        #expect(kernel.chainsRead.count - read == 1, "read back \(kernel.chainsRead[read...].map(\.name))")
        let touched = Incremental.chains(try #require(kernel.lastTransaction))
        #expect(touched.flushed.count == 1 && touched.created.count == 1 && touched.deleted.isEmpty, "\(touched)")
        #expect(try Record.canonical(kernel) == Incremental.fresh(try Incremental.programs(states[3])))
    }

    /// Every shared case in turn through one watching applier: the record always ends as a
    /// fresh recording apply writes it, and a fresh applier finds the state up to date.
    @Test func everyCaseLeavesTheRecordAFreshApplyWrites() throws {
        let kernel = FakeKernel()
        let watch = Self.watching(ApplyMemory())
        for name in SharedCases.names {
            let rulesets = Record.rulesets(try FakeFixtures.state(name))
            _ = try watch.apply(rulesets, connection: kernel)
            let fresh = FakeKernel()
            _ = try Record.recording.apply(rulesets, connection: fresh)
            #expect(try Self.recordText(kernel) == Self.recordText(fresh), "\(name)")
            #expect(try Self.recordIsCurrent(kernel), "\(name)")
            #expect(try Record.recording.apply(rulesets, connection: kernel).outcome == .unchangedSinceLastApply, "\(name)")
        }
    }

    /// Someone flushes one of PacketPath's chains after a watch commit: the record names an
    /// earlier generation, so a fresh applier reads everything back and repairs the chain.
    @Test func aRecordLeftStaleByAForeignWriterIsNotTrusted() throws {
        let kernel = FakeKernel()
        let watch = Self.watching(ApplyMemory())
        let states = try Self.states()
        _ = try watch.apply(Record.rulesets(states[0]), connection: kernel)
        _ = try watch.apply(Record.rulesets(states[1]), connection: kernel)
        let program = try Incremental.programs(states[1])[0]
        let regular = Set(program.chains.filter { $0.base == nil }.map(\.name))
        let chain = try #require(program.rules.first { regular.contains($0.chain) }?.chain)
        try kernel.commitForeign([.flushChain(ChainKey(TableKey(program.family, program.table), chain))])
        #expect(try !Self.recordIsCurrent(kernel))

        #expect(try Record.recording.apply(Record.rulesets(states[2]), connection: kernel,
                                           readAhead: Record.recording.readAhead(connection: kernel)).outcome == .applied)
        #expect(try Record.canonical(kernel) == Incremental.fresh(try Incremental.programs(states[2])))
        #expect(try Self.recordIsCurrent(kernel))
    }

    /// The same between two watch commits: the watcher's memory is stale too, it reads back,
    /// repairs, and writes the record anew.
    @Test func aForeignCommitBetweenWatchCommitsIsRepairedAndRecorded() throws {
        let kernel = FakeKernel()
        let watch = Self.watching(ApplyMemory())
        let states = try Self.states()
        _ = try watch.apply(Record.rulesets(states[0]), connection: kernel)
        let program = try Incremental.programs(states[0])[0]
        let regular = Set(program.chains.filter { $0.base == nil }.map(\.name))
        let chain = try #require(program.rules.first { regular.contains($0.chain) }?.chain)
        try kernel.commitForeign([.flushChain(ChainKey(TableKey(program.family, program.table), chain))])

        #expect(try watch.apply(Record.rulesets(states[1]), connection: kernel).outcome == .applied)
        #expect(try Record.canonical(kernel) == Incremental.fresh(try Incremental.programs(states[1])))
        #expect(try Self.recordIsCurrent(kernel))
        _ = try watch.apply(Record.rulesets(states[2]), connection: kernel)
        #expect(try Record.recording.apply(Record.rulesets(states[2]), connection: kernel).outcome == .unchangedSinceLastApply)
    }
}
