import ClusterState
import NetfilterApply
import NetfilterNetlink
import PacketPath
import RuleModel
import Testing
import TestSupport

/// What one process keeps between its applies (`apply --watch`), against the in-memory kernel.
struct ApplyMemoryTests {
    static func state() throws -> ClusterState { try FakeFixtures.state("upstream-overall-scenario") }

    @Test func aRememberedCommitNeedsNoDigestDump() throws {
        let kernel = FakeKernel()
        let memory = ApplyMemory()
        let applier = NetfilterApplier(options: ApplyOptions(memory: memory))
        let state = try Self.state()
        _ = try applier.apply(FakeFixtures.services(state), connection: kernel)
        #expect(memory.knowsKernelRecord)

        let sets = kernel.setsRead.count
        let reads = kernel.chainsRead.count
        let changed = FakeFixtures.services(IncrementalApplyTests.withOneMoreEndpoint(state))
        let report = try applier.apply(changed, connection: kernel)
        #expect(report.outcome == .applied)
        #expect(kernel.setsRead.count == sets, "the digest record was dumped: \(kernel.setsRead[sets...])")
        let regular = kernel.chainsRead[reads...].filter { !Ownership.builtinChains(of: "\($0.table.name)").contains("\($0.name)") }
        #expect(regular.count == 1, "read \(regular.map(\.name))")
        #expect(IncrementalApplyTests.chainsSorted(try kernel.rulesDump())
                    == IncrementalApplyTests.chainsSorted(try IncrementalApplyTests.freshDump(changed)))
    }

    @Test func someoneElsesCommitMakesItReadTheRecordAgain() throws {
        let kernel = FakeKernel()
        let applier = NetfilterApplier(options: ApplyOptions(memory: ApplyMemory()))
        let state = try Self.state()
        _ = try applier.apply(FakeFixtures.services(state), connection: kernel)
        try FakeFixtures.addForeignObjects(to: kernel)

        let sets = kernel.setsRead.count
        let changed = FakeFixtures.services(IncrementalApplyTests.withOneMoreEndpoint(state))
        #expect(try applier.apply(changed, connection: kernel).outcome == .applied)
        #expect(kernel.setsRead.count > sets)
        #expect(try NetfilterApplier(options: ApplyOptions(alwaysReadBack: true)).apply(changed, connection: kernel).outcome
                    == .unchangedAfterReadBack)
    }

    /// Planned from the remembered record, the digest record and the rules end as a fresh
    /// apply leaves them, across every case in turn.
    @Test func theRememberedRecordStaysTheKernelsOne() throws {
        let kernel = FakeKernel()
        let applier = NetfilterApplier(options: ApplyOptions(memory: ApplyMemory()))
        for name in SharedCases.names {
            let rulesets = FakeFixtures.services(try FakeFixtures.state(name))
            _ = try applier.apply(rulesets, connection: kernel)
            // A process without the memory computes the same fingerprint: nothing to do.
            #expect(try NetfilterApplier().apply(rulesets, connection: kernel).outcome == .unchangedSinceLastApply, "\(name)")
            let fresh = FakeKernel()
            _ = try NetfilterApplier().apply(rulesets, connection: fresh)
            #expect(try Self.digestRecord(kernel) == (try Self.digestRecord(fresh)), "\(name)")
            #expect(IncrementalApplyTests.chainsSorted(try kernel.rulesDump())
                        == IncrementalApplyTests.chainsSorted(try fresh.rulesDump()), "\(name)")
        }
    }

    @Test func aFailedCommitForgetsTheKernelState() throws {
        let kernel = FakeKernel()
        let memory = ApplyMemory()
        let applier = NetfilterApplier(options: ApplyOptions(memory: memory))
        let state = try Self.state()
        _ = try applier.apply(FakeFixtures.services(state), connection: kernel)
        struct Lost: Error {}
        kernel.beforeNextCommit = { _ in throw Lost() }
        #expect(throws: Lost.self) {
            try applier.apply(FakeFixtures.services(IncrementalApplyTests.withOneMoreEndpoint(state)), connection: kernel)
        }
        #expect(!memory.knowsKernelRecord)
    }

    /// Every element of the digest sets, sorted.
    static func digestRecord(_ kernel: FakeKernel) throws -> [[UInt8]] {
        var elements: [[UInt8]] = []
        for family in [NetfilterFamily.ipv4, .ipv6] where try kernel.tables(family: family).contains(where: { $0.name == "packetpath-chains" }) {
            for shard in 0..<32 {
                elements += try kernel.elements(of: ObjectName("chains-\(shard)"), in: TableKey(family, "packetpath-chains")).map(\.key)
            }
        }
        return elements.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
