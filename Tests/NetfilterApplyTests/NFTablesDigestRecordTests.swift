import ClusterState
import NetfilterApply
import NetfilterNetlink
import NFTablesEncoding
import PacketPath
import RuleModel
import Testing
import TestSupport

/// A fresh applier (a new `packetpath apply` process: no memory) planning from PacketPath's
/// digest record against the in-memory kernel: it reads back only the objects that changed,
/// and ends where a full apply ends; anyone else's commit makes it read everything again.
@Suite struct NFTablesDigestRecordTests {
    typealias Incremental = NFTablesIncrementalFakeTests

    static func rulesets(_ state: ClusterState) -> [Ruleset] {
        Pipeline.compileNFTables(state, families: Pipeline.defaultFamilies(for: state))
    }

    /// A new applier that keeps the record, as each CLI process is.
    static var recording: NFTablesApplier { NFTablesApplier(recordDigests: true) }

    /// `Incremental.canonical` without the record table.
    static func canonical(_ kernel: FakeKernel) throws -> String {
        try Incremental.canonical(kernel).split(separator: "\n", omittingEmptySubsequences: false)
            .reduce(into: (lines: [Substring](), inRecord: false)) { state, line in
                if line.hasPrefix("table ") {
                    state.inRecord = line.hasPrefix("table ip \(NFTablesApplier.digestRecordTable.name) ")
                }
                if !state.inRecord { state.lines.append(line) }
            }.lines.joined(separator: "\n")
    }

    static func base() throws -> ClusterState { try FakeFixtures.state("upstream-overall-scenario") }

    @Test func aFreshApplierReadsOnlyTheChangedChains() throws {
        let kernel = FakeKernel()
        let state = try Self.base()
        #expect(try Self.recording.apply(Self.rulesets(state), connection: kernel).outcome == .applied)
        #expect(try kernel.tables(family: .ipv4).contains { $0.name == NFTablesApplier.digestRecordTable.name })

        let changed = Incremental.withOneMoreEndpoint(state)
        let readAhead = Self.recording.readAhead(connection: kernel)
        let (chains, sets) = (kernel.chainsRead.count, kernel.setsRead.count)
        let report = try Self.recording.apply(Self.rulesets(changed), connection: kernel, readAhead: readAhead)
        #expect(report.outcome == .applied)
        // The Service's chain (its endpoints' vmap) is the one chain read; the endpoint's is new.
        #expect(kernel.chainsRead.count - chains == 1, "read back \(kernel.chainsRead[chains...].map(\.name))")
        #expect(kernel.setsRead.count == sets, "dumped \(kernel.setsRead[sets...])")
        let touched = Incremental.chains(try #require(kernel.lastTransaction))
        #expect(touched.flushed.count == 1 && touched.created.count == 1, "\(touched)")
        #expect(try Self.canonical(kernel) == Incremental.fresh(try Incremental.programs(changed)))
        // The record it left is current: the next fresh apply of the same state sends nothing.
        let again = try Self.recording.apply(Self.rulesets(changed), connection: kernel,
                                             readAhead: Self.recording.readAhead(connection: kernel))
        #expect(again.outcome == .unchangedSinceLastApply)
        #expect(try NFTablesApplier(options: ApplyOptions(alwaysReadBack: true)).apply(Self.rulesets(changed), connection: kernel)
                    .outcome == .unchangedAfterReadBack)
    }

    @Test func aNewServiceReadsOnlyTheMapsItChanges() throws {
        let kernel = FakeKernel()
        let state = try Self.base()
        _ = try Self.recording.apply(Self.rulesets(state), connection: kernel)
        let changed = Incremental.withOneMoreService(state)
        let readAhead = Self.recording.readAhead(connection: kernel)
        let (chains, sets) = (kernel.chainsRead.count, kernel.setsRead.count)
        #expect(try Self.recording.apply(Self.rulesets(changed), connection: kernel, readAhead: readAhead).outcome == .applied)
        #expect(kernel.chainsRead.count == chains, "read back \(kernel.chainsRead[chains...].map(\.name))")
        // Only the named maps that gained the Service's elements, none of the rules' sets.
        let dumped = Set(kernel.setsRead[sets...].map(\.description))
        #expect(!dumped.isEmpty && dumped.count <= 4 && dumped.allSatisfy { !$0.hasPrefix("__") }, "dumped \(dumped)")
        #expect(try Self.canonical(kernel) == Incremental.fresh(try Incremental.programs(changed)))
    }

    /// Someone flushes one of PacketPath's chains: the generation no longer vouches for the
    /// record, the apply reads everything back and repairs the chain.
    @Test func aForeignFlushIsStillRepaired() throws {
        let kernel = FakeKernel()
        let state = try Self.base()
        let programs = try Incremental.programs(state)
        _ = try Self.recording.apply(Self.rulesets(state), connection: kernel)
        let program = programs[0]
        let regular = Set(program.chains.filter { $0.base == nil }.map(\.name))
        let chain = try #require(program.rules.first { regular.contains($0.chain) }?.chain)
        try kernel.commitForeign([.flushChain(ChainKey(TableKey(program.family, program.table), chain))])

        let changed = Incremental.withOneMoreEndpoint(state)
        let readAhead = Self.recording.readAhead(connection: kernel)
        #expect(try Self.recording.apply(Self.rulesets(changed), connection: kernel, readAhead: readAhead).outcome == .applied)
        #expect(try Self.canonical(kernel) == Incremental.fresh(try Incremental.programs(changed)))
        // Recorded again by that commit: the next change plans from the record.
        let more = Incremental.withOneMoreService(changed)
        let chains = kernel.chainsRead.count
        #expect(try Self.recording.apply(Self.rulesets(more), connection: kernel).outcome == .applied)
        #expect(kernel.chainsRead.count == chains, "read back \(kernel.chainsRead[chains...].map(\.name))")
        #expect(try Self.canonical(kernel) == Incremental.fresh(try Incremental.programs(more)))
    }

    /// Objects the record holds that are no longer desired are deleted by the names the record
    /// keeps: a removed Service reads back only its own chains and the maps that named it.
    @Test func aRemovedServiceIsDeletedByTheNamesTheRecordKeeps() throws {
        let kernel = FakeKernel()
        let state = try Self.base()
        let more = Incremental.withOneMoreService(state)
        _ = try Self.recording.apply(Self.rulesets(more), connection: kernel)
        let chains = kernel.chainsRead.count
        let report = try Self.recording.apply(Self.rulesets(state), connection: kernel,
                                              readAhead: Self.recording.readAhead(connection: kernel))
        #expect(report.outcome == .applied && report.chainsDeleted > 0)
        let read = kernel.chainsRead[chains...].map(\.name.description)
        #expect(!read.isEmpty && read.allSatisfy { $0.contains("/extra/") }, "read back \(read)")
        #expect(try Self.canonical(kernel) == Incremental.fresh(try Incremental.programs(state)))
        #expect(try Self.recording.apply(Self.rulesets(state), connection: kernel).outcome == .unchangedSinceLastApply)
    }

    /// One endpoint fewer: its chain goes, read by the name the record keeps.
    @Test func oneEndpointFewerReadsOnlyTheChainsItChanges() throws {
        let kernel = FakeKernel()
        let state = try Self.base()
        _ = try Self.recording.apply(Self.rulesets(Incremental.withOneMoreEndpoint(state)), connection: kernel)
        let chains = kernel.chainsRead.count
        #expect(try Self.recording.apply(Self.rulesets(state), connection: kernel,
                                         readAhead: Self.recording.readAhead(connection: kernel)).outcome == .applied)
        #expect(kernel.chainsRead.count - chains == 2, "read back \(kernel.chainsRead[chains...].map(\.name))")
        let touched = Incremental.chains(try #require(kernel.lastTransaction))
        #expect(touched.deleted.count == 1, "\(touched)")
        #expect(try Self.canonical(kernel) == Incremental.fresh(try Incremental.programs(state)))
    }

    /// Every shared case in turn, each applied by a fresh recording applier: the kernel always
    /// ends as a fresh apply leaves it.
    @Test func everyCaseFollowsTheLastOne() throws {
        let kernel = FakeKernel()
        for name in SharedCases.names {
            let state = try FakeFixtures.state(name)
            _ = try Self.recording.apply(Self.rulesets(state), connection: kernel,
                                         readAhead: Self.recording.readAhead(connection: kernel))
            #expect(try Self.canonical(kernel) == Incremental.fresh(try Incremental.programs(state)), "\(name)")
            #expect(try NFTablesApplier(options: ApplyOptions(alwaysReadBack: true)).apply(Self.rulesets(state), connection: kernel)
                        .outcome == .unchangedAfterReadBack, "\(name)")
        }
    }

    @Test func resetRemovesTheRecord() throws {
        let kernel = FakeKernel()
        _ = try Self.recording.apply(Self.rulesets(try Self.base()), connection: kernel)
        #expect(try NFTablesApplier().reset(connection: kernel).outcome == .applied)
        #expect(try kernel.tables(family: .ipv4).isEmpty)
        #expect(try kernel.tables(family: .ipv6).isEmpty)
    }
}
