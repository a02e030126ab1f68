import ClusterState
import NetfilterApply
import NetfilterNetlink
import PacketPath
import RuleModel
import Testing
import TestSupport

/// The iptables layout's changes planned from the typed rulesets an applier remembers
/// (`apply --watch`), against the in-memory kernel: what is read and sent for a change on a
/// remembered state, and that a commit by someone else sends it back to the kernel's state.
struct RememberedPlanTests {
    /// The overall scenario applied by an applier with a memory.
    struct Applied {
        let kernel = FakeKernel()
        let memory = ApplyMemory()
        let applier: NetfilterApplier
        let state: ClusterState

        init() throws {
            applier = NetfilterApplier(options: ApplyOptions(memory: memory))
            state = try FakeFixtures.state("upstream-overall-scenario")
            _ = try applier.apply(FakeFixtures.services(state), connection: kernel)
        }
    }

    /// Chains that get rules (added or deleted) and chains created, flushed or deleted.
    static func touched(_ transaction: Transaction) -> (rules: Set<String>, created: Set<String>, flushed: Set<String>,
                                                       deleted: Set<String>) {
        var result: (rules: Set<String>, created: Set<String>, flushed: Set<String>, deleted: Set<String>) = ([], [], [], [])
        for operation in transaction.operations {
            switch operation {
            case .addRule(let chain, _, _), .appendRules(let chain, _), .deleteRule(let chain, _): result.rules.insert("\(chain.name)")
            case .addChain(let chain, _, _), .createChain(let chain, _, _): result.created.insert("\(chain.name)")
            case .flushChain(let chain): result.flushed.insert("\(chain.name)")
            case .deleteChain(let chain): result.deleted.insert("\(chain.name)")
            default: break
            }
        }
        return result
    }

    /// Elements added and deleted in the digest record's sets.
    static func digestElements(_ transaction: Transaction) -> (added: Int, deleted: Int) {
        var counts = (added: 0, deleted: 0)
        for operation in transaction.operations {
            switch operation {
            case .addElements(let table, _, let elements) where table.name == "packetpath-chains": counts.added += elements.count
            case .deleteElements(let table, _, let elements) where table.name == "packetpath-chains": counts.deleted += elements.count
            default: break
            }
        }
        return counts
    }

    /// The kernel ends as a fresh apply leaves it, with the same digest record, and a
    /// process without the memory computes the fingerprint the record names.
    static func expectFresh(_ kernel: FakeKernel, _ rulesets: [Ruleset], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let fresh = FakeKernel()
        _ = try NetfilterApplier().apply(rulesets, connection: fresh)
        #expect(IncrementalApplyTests.chainsSorted(try kernel.rulesDump()) == IncrementalApplyTests.chainsSorted(try fresh.rulesDump()),
                sourceLocation: sourceLocation)
        #expect(try ApplyMemoryTests.digestRecord(kernel) == ApplyMemoryTests.digestRecord(fresh), sourceLocation: sourceLocation)
        #expect(try NetfilterApplier().apply(rulesets, connection: kernel).outcome == .unchangedSinceLastApply,
                sourceLocation: sourceLocation)
    }

    @Test func oneMoreEndpointSendsOnlyItsServiceChainAndTheNewEndpointChain() throws {
        let applied = try Applied()
        let kernel = applied.kernel
        let reads = kernel.chainsRead.count
        let changed = FakeFixtures.services(IncrementalApplyTests.withOneMoreEndpoint(applied.state))
        let report = try applied.applier.apply(changed, connection: kernel)
        #expect(report.outcome == .applied)
        // Only the Service chain is read, for its rules' handles: no built-in chain, no record.
        #expect(kernel.chainsRead.count - reads == 1, "read \(kernel.chainsRead[reads...].map(\.name))")
        let transaction = try #require(kernel.lastTransaction)
        let touched = Self.touched(transaction)
        #expect(touched.created.count == 1 && touched.created.allSatisfy { $0.hasPrefix("KUBE-SEP-") }, "\(touched.created)")
        #expect(touched.rules.count == 2 && touched.rules.isSuperset(of: touched.created), "\(touched.rules)")
        #expect(touched.flushed.isEmpty && touched.deleted.isEmpty)
        // Per family: the state record replaced; the digest record loses the Service chain's
        // old digest and gains its new one and the endpoint chain's.
        #expect(transaction.counts[.deleteTable] == changed.count && transaction.counts[.addTable] == changed.count)
        #expect(Self.digestElements(transaction) == (added: 2, deleted: 1))
        #expect(report.chainsCreated == 1 && report.chainsDeleted == 0 && report.rulesWritten < 10)
        try Self.expectFresh(kernel, changed)
    }

    @Test func oneMoreServiceAndItsRemovalSendOnlyItsChains() throws {
        let applied = try Applied()
        let kernel = applied.kernel
        let original = FakeFixtures.services(applied.state)
        let changed = FakeFixtures.services(NFTablesIncrementalFakeTests.withOneMoreService(applied.state))
        let reads = kernel.chainsRead.count
        let added = try applied.applier.apply(changed, connection: kernel)
        #expect(added.outcome == .applied && added.chainsCreated >= 2)
        // Dispatch chains that get the Service's rules are read; no chain is created but its own.
        #expect(kernel.chainsRead.count - reads <= 3, "read \(kernel.chainsRead[reads...].map(\.name))")
        let creation = Self.touched(try #require(kernel.lastTransaction))
        #expect(creation.flushed.isEmpty && creation.deleted.isEmpty)
        try Self.expectFresh(kernel, changed)

        // The memory still holds (the check above committed nothing): removing it again.
        let removed = try applied.applier.apply(original, connection: kernel)
        #expect(removed.outcome == .applied)
        let removal = Self.touched(try #require(kernel.lastTransaction))
        #expect(removal.deleted == creation.created && removal.flushed == creation.created, "\(removal)")
        #expect(removal.created.isEmpty)
        try Self.expectFresh(kernel, original)
    }

    @Test func theSameStateAgainSendsNothing() throws {
        let applied = try Applied()
        let commits = applied.kernel.commits
        let report = try applied.applier.apply(FakeFixtures.services(applied.state), connection: applied.kernel)
        #expect(report.outcome == .unchangedSinceLastApply)
        #expect(applied.kernel.commits == commits)
    }

    /// Someone else's commit moves the generation: the memory proves nothing any more, so the
    /// change is planned from the kernel, which repairs what the other writer did.
    @Test func aForeignCommitMakesItPlanFromTheKernel() throws {
        let applied = try Applied()
        let kernel = applied.kernel
        let rulesets = FakeFixtures.services(applied.state)
        let ruleset = rulesets[0]
        let nat = try #require(ruleset.tables.firstIndex { $0.name == "nat" })
        let emptied = try #require(ruleset.tables[nat].chains.first { $0.attachment == nil && $0.rules.count > 1 })
        try kernel.commitForeign([.flushChain(ChainKey(TableKey(NetfilterFamily(ruleset.family), "nat"), ObjectName(emptied.name)))])

        let owned = try kernel.chains(family: NetfilterFamily(ruleset.family))
            .filter { $0.comment == Ownership.chainComment && $0.base == nil }.count
        let reads = kernel.chainsRead.count
        let changed = FakeFixtures.services(IncrementalApplyTests.withOneMoreEndpoint(applied.state))
        #expect(try applied.applier.apply(changed, connection: kernel).outcome == .applied)
        #expect(kernel.chainsRead.count - reads >= owned, "planned without reading the kernel")
        try Self.expectFresh(kernel, changed)
        // Its own commit again: the next change is planned from the memory.
        let reread = kernel.chainsRead.count
        #expect(try applied.applier.apply(rulesets, connection: kernel).outcome == .applied)
        #expect(kernel.chainsRead.count - reread == 1)
        try Self.expectFresh(kernel, rulesets)
    }

    /// Every case in turn from the previous one, planned from the memory where it can be, ends
    /// as a fresh apply.
    @Test func everyCaseFromTheMemoryEndsAsAFreshApply() throws {
        let kernel = FakeKernel()
        let applier = NetfilterApplier(options: ApplyOptions(memory: ApplyMemory()))
        for name in SharedCases.names {
            let rulesets = FakeFixtures.services(try FakeFixtures.state(name))
            _ = try applier.apply(rulesets, connection: kernel)
            try Self.expectFresh(kernel, rulesets)
        }
    }
}
