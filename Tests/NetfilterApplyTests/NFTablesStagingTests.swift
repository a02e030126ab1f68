import ClusterState
import NetfilterApply
import NetfilterNetlink
import NFTablesEncoding
import PacketPath
import RuleModel
import Testing
import TestSupport

/// A connection that forwards to a kernel and can fail a chosen commit (as the kernel
/// refusing that batch), watch each commit, or act between commits.
final class StagingProbe: KernelConnection {
    let kernel: KernelConnection
    /// The commit (0-based) refused without sending it; nil: none.
    var failing: Int?
    /// Refuse every commit from `failing` on (a process that dies: not even the undo lands).
    var failFromThenOn = false
    /// Called after each commit that went through, with its index.
    var afterCommit: ((Int) throws -> Void)?
    private(set) var commitsSeen = 0

    init(_ kernel: KernelConnection, failing: Int? = nil) {
        self.kernel = kernel
        self.failing = failing
    }

    func generation() throws -> UInt32 { try kernel.generation() }
    func tables(family: NetfilterFamily) throws -> [TableInfo] { try kernel.tables(family: family) }
    func chains(family: NetfilterFamily) throws -> [ChainInfo] { try kernel.chains(family: family) }
    func rules(of chain: ChainKey) throws -> [RuleInfo] { try kernel.rules(of: chain) }
    func sets(of table: TableKey) throws -> [NetfilterSet] { try kernel.sets(of: table) }
    func elements(of set: ObjectName, in table: TableKey) throws -> [NetfilterNetlink.SetElement] { try kernel.elements(of: set, in: table) }
    func forEachElementKey(of set: ObjectName, in table: TableKey, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        try kernel.forEachElementKey(of: set, in: table, body)
    }

    func commit(_ transaction: Transaction, generation: UInt32) throws -> CommitStatistics {
        let index = commitsSeen
        commitsSeen += 1
        if let failing, index == failing || (failFromThenOn && index > failing) {
            throw NetfilterError.batchRejected([MessageFailure(sequence: 1, tag: transaction.tags.first, errno: 22)],
                                               repliesLost: false)
        }
        let sent = try kernel.commit(transaction, generation: generation)
        try afterCommit?(index)
        return sent
    }
}

enum StagingFixtures {
    /// The bundled example: kube-proxy's tables and the policy tables, IPv4 and IPv6.
    static func shopPrograms() throws -> [NFTablesProgram] {
        let loaded = try ManifestLoader.load(paths: [ProjectPaths.root + "/examples/shop.yaml"])
        return try NFTablesApplier.programs(Pipeline.compileNFTables(loaded.state, families: [.ipv4, .ipv6]))
    }

    /// Small enough that the example takes many transactions.
    static let tiny = NFTablesStaging.Limits(messages: 12, anonymousSets: 1)

    /// Tables, chains (with hook and policy), rules, and every named set's elements of
    /// `programs` (absent ones say so): what `nft list ruleset` shows, in kernel order.
    static func dump(_ kernel: KernelConnection, sets programs: [NFTablesProgram]) throws -> String {
        var lines: [String] = []
        for family in [NetfilterFamily.ipv4, .ipv6] {
            for table in try kernel.tables(family: family) {
                lines.append("table \(family) \(table.name) comment=\(table.comment ?? "-")")
                for chain in try kernel.chains(family: family) where chain.table == table.name {
                    let base = chain.base.map { "\($0.type) \($0.hook) \($0.priority) accept=\($0.policyAccepts)" } ?? "-"
                    lines.append("  chain \(chain.name) base=\(base) comment=\(chain.comment ?? "-")")
                    for rule in try kernel.rules(of: ChainKey(TableKey(family, table.name), chain.name)) {
                        lines.append("    " + rule.expressions.map(\.description).joined(separator: " "))
                    }
                }
            }
        }
        for program in programs {
            for definition in program.sets {
                let key = TableKey(program.family, program.table)
                let elements = try? kernel.elements(of: definition.set.name, in: key)
                lines.append("set \(key) \(definition.set.name): "
                    + (elements.map { $0.map { "\($0.key) \($0.verdict.map { "\($0)" } ?? "")" }.joined(separator: ",") } ?? "absent"))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Every base chain's hook, policy and rules: all a packet can meet.
    static func entryPoints(_ kernel: KernelConnection) throws -> [String] {
        var lines: [String] = []
        for family in [NetfilterFamily.ipv4, .ipv6] {
            for chain in try kernel.chains(family: family) {
                guard let base = chain.base else { continue }
                let rules = try kernel.rules(of: ChainKey(TableKey(family, chain.table), chain.name))
                guard !(rules.isEmpty && base.policyAccepts) else { continue }
                lines.append("\(family) \(chain.table) \(chain.name) \(base.hook) accept=\(base.policyAccepts): "
                    + rules.map { $0.expressions.map(\.description).joined(separator: " ") }.joined(separator: "; "))
            }
        }
        return lines
    }
}

/// Staging a large first apply over several transactions, in memory (no root needed).
@Suite struct NFTablesStagingTests {
    @Test func onlyTheFinalTransactionTouchesBaseChainRules() throws {
        let programs = try StagingFixtures.shopPrograms()
        let planned = try NFTablesPlan.plan(programs, existing: [], takeOver: false)
        let tables = Set(programs.map { TableKey($0.family, $0.table) })
        let split = NFTablesStaging.split(planned.transaction, newTables: tables, limits: StagingFixtures.tiny)
        let transactions = split.transactions()
        #expect(split.stagingCount > 5)
        #expect(Set(split.stagedTables) == tables)
        #expect(transactions.reduce(0) { $0 + $1.count } == planned.transaction.count, "nothing lost or repeated")
        let baseChains = Set(programs.flatMap { program in
            program.chains.filter { $0.base != nil }.map { ChainKey(TableKey(program.family, program.table), $0.name) }
        })
        func baseRules(_ transaction: Transaction) -> Int {
            transaction.operations.filter { if case .addRule(let chain, _, _) = $0 { baseChains.contains(chain) } else { false } }.count
        }
        for staged in transactions.dropLast() {
            #expect(baseRules(staged) == 0)
            // Bounded: a rule with its anonymous map may exceed the message bound alone.
            let anonymous = staged.operations.filter { if case .addSet(_, let set) = $0 { set.flags.contains(.anonymous) } else { false } }
            #expect(anonymous.count <= 1)
        }
        let final = try #require(transactions.last)
        #expect(baseRules(final) == programs.reduce(0) { total, program in
            total + program.rules.filter { baseChains.contains(ChainKey(TableKey(program.family, program.table), $0.chain)) }.count
        })
        #expect(final.operations.allSatisfy { operation in
            switch operation {
            case .addRule(let chain, _, _): return baseChains.contains(chain)
            case .addSet(_, let set), .addElements(_, let set, _): return set.flags.contains(.anonymous)
            default: return false
            }
        })
    }

    @Test func aStateThatFitsStaysOneTransaction() throws {
        let programs = try StagingFixtures.shopPrograms()
        let kernel = FakeKernel()
        let report = try NFTablesApplier().apply(programs, connection: kernel)
        #expect(report.transactions == 1 && kernel.commits == 1)
    }

    @Test func aStagedApplyEndsExactlyAsOneTransactionAndIsThenUnchanged() throws {
        let programs = try StagingFixtures.shopPrograms()
        let whole = FakeKernel()
        _ = try NFTablesApplier().apply(programs, connection: whole)
        let staged = FakeKernel()
        let report = try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: staged)
        #expect(report.transactions > 5 && staged.commits == report.transactions)
        #expect(try StagingFixtures.dump(staged, sets: programs) == StagingFixtures.dump(whole, sets: programs))
        // The state record names the generation of the final commit.
        let again = try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: staged)
        #expect(again.outcome == .unchangedSinceLastApply)
    }

    @Test func noPacketMeetsAStagedObjectBeforeTheFinalCommit() throws {
        let programs = try StagingFixtures.shopPrograms()
        let kernel = FakeKernel()
        try FakeFixtures.addForeignObjects(to: kernel)
        let before = try StagingFixtures.entryPoints(kernel)
        #expect(before.count == 1, "the foreign INPUT chain")
        let probe = StagingProbe(kernel)
        var seen: [[String]] = []
        probe.afterCommit = { _ in seen.append(try StagingFixtures.entryPoints(kernel)) }
        let report = try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: probe)
        #expect(seen.count == report.transactions && report.transactions > 5)
        for (index, entryPoints) in seen.dropLast().enumerated() {
            #expect(entryPoints == before, "staging commit \(index) changed what a packet meets")
        }
        #expect(seen.last?.count ?? 0 > before.count, "the final commit hooked the new tables")
    }

    @Test func aFailureAtAnyTransactionLeavesTheRulesetAsItWas() throws {
        let programs = try StagingFixtures.shopPrograms()
        let count = try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: FakeKernel()).transactions
        #expect(count > 5)
        for failing in 0..<count {
            let kernel = FakeKernel()
            try FakeFixtures.addForeignObjects(to: kernel)
            let before = try StagingFixtures.dump(kernel, sets: programs)
            #expect(throws: ApplyError.self, "commit \(failing) refused") {
                try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: StagingProbe(kernel, failing: failing))
            }
            #expect(try StagingFixtures.dump(kernel, sets: programs) == before, "refused at commit \(failing) of \(count)")
        }
    }

    /// Someone else commits between two stages: the next stage is refused, what was staged is
    /// deleted, and the apply reads and plans again from a clean kernel (as for any concurrent
    /// change), ending as a staged apply next to the other writer's table.
    @Test func anotherWriterBetweenStagesUndoesTheStagingAndRetries() throws {
        let programs = try StagingFixtures.shopPrograms()
        let kernel = FakeKernel()
        let probe = StagingProbe(kernel)
        let other = KernelOperation.addTable(TableKey(.ipv4, "other"), comment: nil)
        probe.afterCommit = { index in
            if index == 2 { try kernel.commitForeign([other]) }
        }
        let report = try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: probe)
        // Three stages went through, the fourth was refused, one commit undid them, then the retry.
        #expect(probe.commitsSeen == 3 + 1 + 1 + report.transactions)
        let expected = FakeKernel()
        try expected.commitForeign([other])
        _ = try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: expected)
        #expect(try StagingFixtures.dump(kernel, sets: programs) == StagingFixtures.dump(expected, sets: programs))
    }

    /// A writer that commits between every two stages: three attempts, each undone, then an
    /// error, with nothing of PacketPath's left behind.
    @Test func aWriterBetweenEveryStageEndsInAnErrorWithNothingStaged() throws {
        let programs = try StagingFixtures.shopPrograms()
        let kernel = FakeKernel()
        let probe = StagingProbe(kernel)
        var written = 0
        probe.afterCommit = { _ in
            written += 1
            try kernel.commitForeign([.addTable(TableKey(.ipv4, ObjectName("other-\(written)")), comment: nil)])
        }
        #expect {
            try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: probe)
        } throws: { error in
            if case ApplyError.concurrentChanges = error { return true }
            return false
        }
        let names = try kernel.tables(family: .ipv4).map(\.name) + kernel.tables(family: .ipv6).map(\.name)
        #expect(!names.isEmpty)
        #expect(names.allSatisfy { $0.description.hasPrefix("other-") }, "\(names)")
    }

    @Test func tablesLeftByAnApplyThatDiedBeforeItsFinalCommitAreNotTakenAsApplied() throws {
        let programs = try StagingFixtures.shopPrograms()
        let kernel = FakeKernel()
        let count = try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: FakeKernel()).transactions
        // The final commit and the undo never land: the staged tables stay behind.
        let dying = StagingProbe(kernel, failing: count - 1)
        dying.failFromThenOn = true
        #expect(throws: ApplyError.self) {
            try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: dying)
        }
        #expect(try kernel.tables(family: .ipv4).count == 2, "left behind")
        // One foreign commit brings the generation to the one the state records.
        try kernel.commitForeign([.addTable(TableKey(.ipv4, "other"), comment: nil)])
        let report = try NFTablesApplier(staging: StagingFixtures.tiny).apply(programs, connection: kernel)
        #expect(report.outcome == .applied)
        let whole = FakeKernel()
        try whole.commitForeign([.addTable(TableKey(.ipv4, "other"), comment: nil)])
        _ = try NFTablesApplier().apply(programs, connection: whole)
        #expect(try StagingFixtures.entryPoints(kernel) == StagingFixtures.entryPoints(whole))
    }
}
