import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkAddresses
import NFTablesEncoding
import PacketPath
import RuleModel
import Testing
import TestSupport

/// Incremental apply of the nftables layout against the in-memory kernel (no root): what is
/// sent for each kind of change, and that the result equals a fresh apply of the same state.
@Suite struct NFTablesIncrementalFakeTests {
    static func programs(_ state: ClusterState, families: [IPFamily]? = nil) throws -> [NFTablesProgram] {
        try NFTablesApplier.programs(Pipeline.compileNFTables(state, families: families ?? Pipeline.defaultFamilies(for: state)))
    }

    /// `state` with one more ready endpoint in its first EndpointSlice (the iptables tests' change).
    static func withOneMoreEndpoint(_ state: ClusterState) -> ClusterState {
        IncrementalApplyTests.withOneMoreEndpoint(state)
    }

    /// `state` with a copy of the first EndpointSlice's Service under another name and ClusterIP.
    static func withOneMoreService(_ state: ClusterState) -> ClusterState {
        var state = state
        var slice = state.endpointSlices[0]
        var service = state.services.first { $0.metadata.name == slice.serviceName && $0.metadata.namespace == slice.metadata.namespace }!
        service.metadata.name = "extra"
        service.clusterIPs = [IPAddress("10.96.77.77")!]
        service.externalIPs = []
        service.loadBalancerIngress = []
        service.type = .clusterIP
        slice.metadata.name = "extra-x1"
        slice.serviceName = "extra"
        state.services.append(service)
        state.endpointSlices.append(slice)
        return state
    }

    /// The kernel's PacketPath tables as text that does not depend on creation order or on
    /// the kernel's numbering of anonymous sets.
    static func canonical(_ kernel: FakeKernel) throws -> String {
        var lines: [String] = []
        for family in [NetfilterFamily.ipv4, .ipv6] {
            for table in try kernel.tables(family: family) where NFTablesOwnership.isOwned(table) {
                let state = try NFTablesReadBack.read(table, connection: kernel)
                lines.append("table \(family) \(table.name) comment=\(table.comment ?? "-")")
                for set in state.sets.sorted(by: { $0.set.name < $1.set.name }) { lines += describe(set, "set \(set.set.name)") }
                for chain in state.chains.sorted(by: { $0.info.name < $1.info.name }) {
                    lines.append("chain \(chain.info.name) \(String(describing: chain.info.base)) \(chain.info.comment ?? "-")")
                    for rule in chain.rules {
                        let expressions = rule.expressions.map { expression -> String in
                            guard case .lookup(var lookup) = expression, lookup.set.hasPrefix("__") else { return expression.description }
                            lookup.set = "anonymous"
                            return Expression.lookup(lookup).description
                        }
                        lines.append("  " + expressions.joined(separator: " ") + " \(rule.userData ?? [])")
                        for anonymous in rule.anonymousSets { lines += describe(anonymous, "    anonymous") }
                    }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ contents: NFTablesTableState.SetContents, _ title: String) -> [String] {
        let set = contents.set
        let elements = contents.elements.map { "\($0.key) end=\($0.intervalEnd) \(String(describing: $0.verdict)) \($0.userData ?? [])" }
        return ["\(title) flags=\(set.flags.rawValue) key=\(set.keyType)/\(set.keyLength) data=\(set.dataType ?? 0) timeout=\(set.timeout ?? 0) \(set.userData ?? [])"]
            + elements.sorted().map { "  " + $0 }
    }

    static func fresh(_ programs: [NFTablesProgram]) throws -> String {
        let kernel = FakeKernel()
        _ = try NFTablesApplier().apply(programs, connection: kernel)
        return try canonical(kernel)
    }

    /// Chains the transaction flushes, creates, deletes and writes rules into.
    static func chains(_ transaction: Transaction) -> (flushed: Set<String>, created: Set<String>, deleted: Set<String>, written: Set<String>) {
        var result: (flushed: Set<String>, created: Set<String>, deleted: Set<String>, written: Set<String>) = ([], [], [], [])
        for operation in transaction.operations {
            switch operation {
            case .flushChain(let chain): result.flushed.insert("\(chain.name)")
            case .addChain(let chain, _, _): result.created.insert("\(chain.name)")
            case .deleteChain(let chain): result.deleted.insert("\(chain.name)")
            case .addRule(let chain, _, _): result.written.insert("\(chain.name)")
            default: break
            }
        }
        return result
    }

    @Test func reapplyingAnUnchangedStateSendsNothingEvenAfterAForeignCommit() throws {
        let kernel = FakeKernel()
        let programs = try Self.programs(try FakeFixtures.state("upstream-overall-scenario"))
        #expect(try NFTablesApplier().apply(programs, connection: kernel).outcome == .applied)
        #expect(try NFTablesApplier().apply(programs, connection: kernel).outcome == .unchangedSinceLastApply)
        let readBack = NFTablesApplier(options: ApplyOptions(alwaysReadBack: true))
        #expect(try readBack.apply(programs, connection: kernel).outcome == .unchangedAfterReadBack)
        try kernel.commitForeign([.addTable(TableKey(.ipv4, "other"), comment: nil)])
        #expect(try NFTablesApplier().apply(programs, connection: kernel).outcome == .unchangedAfterReadBack)
        #expect(kernel.commits == 1)
    }

    /// Tables written without element digests (by nft, or by PacketPath before it wrote them)
    /// are not rewritten for the digests alone: the read-back dumps those sets and compares.
    @Test func anonymousSetsWithoutADigestAreNotRewritten() throws {
        let kernel = FakeKernel()
        let programs = try Self.programs(try FakeFixtures.state("upstream-overall-scenario"))
        let withoutDigests = programs.map { program in
            var program = program
            for index in program.rules.indices {
                for set in program.rules[index].anonymousSets.indices {
                    let userData = program.rules[index].anonymousSets[set].set.userData ?? []
                    #expect(AnonymousSetDigest.recorded(in: userData) != nil)
                    program.rules[index].anonymousSets[set].set.userData = AnonymousSetDigest.removingRecord(from: userData)
                }
            }
            return program
        }
        #expect(try NFTablesApplier().apply(withoutDigests, connection: kernel).outcome == .applied)
        let readBack = NFTablesApplier(options: ApplyOptions(alwaysReadBack: true))
        #expect(try readBack.apply(programs, connection: kernel).outcome == .unchangedAfterReadBack)
    }

    @Test func oneMoreEndpointTouchesOnlyItsServiceChainAndTheNewEndpointChain() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("upstream-overall-scenario")
        _ = try NFTablesApplier().apply(try Self.programs(state), connection: kernel)
        let changed = try Self.programs(Self.withOneMoreEndpoint(state))
        let report = try NFTablesApplier().apply(changed, connection: kernel)
        #expect(report.outcome == .applied)
        let transaction = try #require(kernel.lastTransaction)
        let touched = Self.chains(transaction)
        #expect(touched.created.count == 1 && touched.created.allSatisfy { $0.hasPrefix("endpoint-") && $0.contains("10.244.9.99") },
                "created \(touched.created.sorted())")
        #expect(touched.deleted.isEmpty)
        #expect(touched.flushed.count == 1 && touched.flushed.allSatisfy { $0.hasPrefix("service-") }, "flushed \(touched.flushed.sorted())")
        #expect(touched.written == touched.flushed.union(touched.created))
        #expect(transaction.counts[.deleteTable] == nil && transaction.counts[.addTable] == nil)
        #expect(transaction.counts[.deleteElements] == nil)
        #expect(try Self.canonical(kernel) == Self.fresh(changed))
    }

    @Test func oneMoreServiceAddsElementsAndChainsWithoutFlushing() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("upstream-overall-scenario")
        _ = try NFTablesApplier().apply(try Self.programs(state), connection: kernel)
        let changed = try Self.programs(Self.withOneMoreService(state))
        let report = try NFTablesApplier().apply(changed, connection: kernel)
        #expect(report.outcome == .applied)
        let transaction = try #require(kernel.lastTransaction)
        let touched = Self.chains(transaction)
        #expect(touched.flushed.isEmpty, "flushed \(touched.flushed.sorted())")
        #expect(touched.deleted.isEmpty)
        #expect(!touched.created.isEmpty && touched.created.allSatisfy { $0.contains("/extra/") }, "created \(touched.created.sorted())")
        #expect(touched.written == touched.created)
        #expect((transaction.counts[.addElements] ?? 0) >= 1)
        #expect(transaction.counts[.deleteElements] == nil)
        #expect(try Self.canonical(kernel) == Self.fresh(changed))
    }

    @Test func removingAServiceDeletesItsChainsAfterItsMapElements() throws {
        let kernel = FakeKernel()
        let state = Self.withOneMoreService(try FakeFixtures.state("upstream-overall-scenario"))
        _ = try NFTablesApplier().apply(try Self.programs(state), connection: kernel)
        let changed = try Self.programs(try FakeFixtures.state("upstream-overall-scenario"))
        #expect(try NFTablesApplier().apply(changed, connection: kernel).outcome == .applied)
        let transaction = try #require(kernel.lastTransaction)
        let touched = Self.chains(transaction)
        #expect(!touched.deleted.isEmpty && touched.deleted.allSatisfy { $0.contains("/extra/") }, "deleted \(touched.deleted.sorted())")
        #expect(touched.created.isEmpty && touched.written.isEmpty)
        let kinds = transaction.operations.map(\.kind)
        let lastElementDeletion = try #require(kinds.lastIndex(of: .deleteElements))
        let firstChainDeletion = try #require(kinds.firstIndex(of: .deleteChain))
        #expect(lastElementDeletion < firstChainDeletion)
        #expect(try Self.canonical(kernel) == Self.fresh(changed))
    }

    @Test func affinityEntriesSurviveAnUnrelatedChange() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("session-affinity-clientip")
        _ = try NFTablesApplier().apply(try Self.programs(state), connection: kernel)
        let table = TableKey(.ipv4, "kube-proxy")
        let dynamic = try kernel.sets(of: table).filter { $0.flags.contains(.dynamic) }
        try #require(!dynamic.isEmpty)
        // The data path records a client in every affinity set.
        try kernel.commitForeign(dynamic.map { .addElements(table, set: $0, [SetElement(key: [10, 1, 2, 3])]) })
        let report = try NFTablesApplier().apply(try Self.programs(Self.withOneMoreEndpoint(state)), connection: kernel)
        #expect(report.outcome == .applied)
        for set in dynamic {
            #expect(try kernel.elements(of: set.name, in: table).map(\.key) == [[10, 1, 2, 3]], "\(set.name) lost its entries")
        }
    }

    @Test func aPolicyChangeIsAppliedInPlace() throws {
        let kernel = FakeKernel()
        let state = try ManifestLoader.load(paths: [SharedCases.example]).state
        let families: [IPFamily] = [.ipv4, .ipv6]
        _ = try NFTablesApplier().apply(try Self.programs(state, families: families), connection: kernel)
        var changedState = state
        try #require(changedState.networkPolicies.count > 1)
        changedState.networkPolicies.removeLast()
        let changed = try Self.programs(changedState, families: families)
        #expect(try NFTablesApplier().apply(changed, connection: kernel).outcome == .applied)
        let transaction = try #require(kernel.lastTransaction)
        #expect(transaction.counts[.deleteTable] == nil, "a policy change must not replace a table")
        #expect(transaction.operations.allSatisfy { operation in
            switch operation {
            case .addChain(let chain, _, _), .flushChain(let chain), .deleteChain(let chain), .addRule(let chain, _, _):
                return chain.table.name == "packetpath-policy"
            default: return true
            }
        })
        #expect(try Self.canonical(kernel) == Self.fresh(changed))
    }

    @Test func aFamilyTheInputLeavesOutIsRemoved() throws {
        let kernel = FakeKernel()
        let state = try ManifestLoader.load(paths: [SharedCases.example]).state
        _ = try NFTablesApplier().apply(try Self.programs(state, families: [.ipv4, .ipv6]), connection: kernel)
        #expect(try kernel.tables(family: .ipv6).contains { NFTablesOwnership.isOwned($0) })
        let v4 = try Self.programs(state, families: [.ipv4])
        #expect(try NFTablesApplier().apply(v4, connection: kernel).outcome == .applied)
        #expect(try kernel.tables(family: .ipv6).isEmpty)
        #expect(try Self.canonical(kernel) == Self.fresh(v4))
    }

    @Test func anotherWriterBetweenPlanAndCommitMakesItPlanAgain() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("upstream-overall-scenario")
        _ = try NFTablesApplier().apply(try Self.programs(state), connection: kernel)
        let changed = try Self.programs(Self.withOneMoreEndpoint(state))
        kernel.beforeNextCommit = { kernel in try kernel.commitForeign([.addTable(TableKey(.ipv4, "other"), comment: nil)]) }
        #expect(try NFTablesApplier().apply(changed, connection: kernel).outcome == .applied)
        #expect(try Self.canonical(kernel) == Self.fresh(changed))
        #expect(try kernel.tables(family: .ipv4).contains { $0.name == "other" })
    }

    @Test func aWriterThatNeverStopsGivesAClearError() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("upstream-overall-scenario")
        _ = try NFTablesApplier().apply(try Self.programs(state), connection: kernel)
        let before = try Self.canonical(kernel)
        var foreign = 0
        func interfere(_ kernel: FakeKernel) throws {
            foreign += 1
            try kernel.commitForeign([.addTable(TableKey(.ipv4, ObjectName("other\(foreign)")), comment: nil)])
            kernel.beforeNextCommit = interfere
        }
        kernel.beforeNextCommit = interfere
        #expect {
            _ = try NFTablesApplier().apply(try Self.programs(Self.withOneMoreEndpoint(state)), connection: kernel)
        } throws: { error in
            guard case ApplyError.concurrentChanges(let attempts) = error else { return false }
            return attempts == 3
        }
        kernel.beforeNextCommit = nil
        #expect(try Self.canonical(kernel) == before)
    }

    /// `programs` with a rule the kernel refuses (a jump to a missing chain) at the end of
    /// the first table's last chain, so that the batch fails in its middle.
    static func withARefusedRule(_ programs: [NFTablesProgram]) throws -> [NFTablesProgram] {
        var programs = programs
        var rule = try #require(programs[0].rules.last)
        rule.expressions = [.immediate(Immediate(verdict: .jump("no-such-chain")))]
        rule.anonymousSets = []
        rule.userData = nil
        programs[0].rules.append(rule)
        return programs
    }

    @Test func aRejectedChangeLeavesTheTableAsItWas() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("upstream-overall-scenario")
        _ = try NFTablesApplier().apply(try Self.programs(Self.withOneMoreService(state)), connection: kernel)
        let before = try Self.canonical(kernel)
        let generation = try kernel.generation()
        // Elements deleted, chains flushed, then a rule the kernel refuses: nothing may stay.
        let bad = try Self.withARefusedRule(try Self.programs(Self.withOneMoreEndpoint(state)))
        #expect {
            _ = try NFTablesApplier().apply(bad, connection: kernel)
        } throws: { error in
            guard case ApplyError.rejected(let objects) = error else { return false }
            return objects.contains { $0.object.hasPrefix("rule ") }
        }
        #expect(try kernel.generation() == generation, "nothing may be committed")
        #expect(try Self.canonical(kernel) == before)
    }

    @Test func theFakeKeepsTheKernelsSetContract() throws {
        let kernel = FakeKernel()
        let table = TableKey(.ipv4, "t")
        let chain = ChainKey(table, "c")
        let named = NetfilterSet(table: "t", name: "s", keyType: NetfilterSet.DataType.ipv4Address, keyLength: 4)
        let anonymous = NetfilterSet(table: "t", name: "__set%d", id: 7, flags: [.anonymous, .constant],
                                       keyType: NetfilterSet.DataType.ipv4Address, keyLength: 4)
        try kernel.commitForeign([
            .addTable(table, comment: nil), .addChain(chain, base: nil, comment: nil), .addSet(table, named),
            .addSet(table, anonymous), .addElements(table, set: anonymous, [SetElement(key: [1, 1, 1, 1])]),
            .addRule(chain, .nft([.payload(Payload(base: .network, offset: 12, length: 4)), .lookup(Lookup(set: "s"))], userData: [1, 2]), .append),
            .addRule(chain, .nft([.payload(Payload(base: .network, offset: 12, length: 4)), .lookup(Lookup(set: "__set%d", setID: 7))], userData: nil), .append),
        ])
        let sets = try kernel.sets(of: table)
        #expect(sets.map(\.name) == ["s", "__set0"], "the kernel numbers anonymous sets")
        #expect(try kernel.rules(of: chain).map(\.userData) == [[1, 2], nil])
        #expect(throws: NetfilterError.self, "a set a rule looks up cannot be deleted") {
            try kernel.commitForeign([.deleteSet(table, name: "s")])
        }
        #expect(throws: NetfilterError.self, "an element must exist to be deleted") {
            try kernel.commitForeign([.deleteElements(table, set: named, [SetElement(key: [9, 9, 9, 9])])])
        }
        #expect(throws: NetfilterError.self, "a rule cannot name a missing set") {
            try kernel.commitForeign([.addRule(chain, .nft([.lookup(Lookup(set: "missing"))], userData: nil), .append)])
        }
        // Flushing the chain drops the anonymous set with its rule; the named one stays.
        try kernel.commitForeign([.flushChain(chain)])
        #expect(try kernel.sets(of: table).map(\.name) == ["s"])
        try kernel.commitForeign([.deleteSet(table, name: "s")])
        #expect(try kernel.sets(of: table).isEmpty)
    }
}
