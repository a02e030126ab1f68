import ClusterState
import NetfilterApply
import NetfilterNetlink
import NFTablesEncoding
import Testing
import TestSupport

/// Read-back trusts an anonymous set's recorded digest only when the desired state has a set
/// declared with exactly that user data; everything else is dumped (in-memory kernel).
@Suite struct KnownAnonymousSetsTests {
    static func programs(_ state: ClusterState) throws -> [NFTablesProgram] {
        try NFTablesIncrementalFakeTests.programs(state)
    }

    static func anonymousDefinitions(_ programs: [NFTablesProgram]) -> [NFTablesProgram.SetDefinition] {
        programs.flatMap(\.rules).flatMap(\.anonymousSets)
    }

    /// A kernel set as read back: the kernel's name, no set ID.
    static func kernelSet(_ definition: NFTablesProgram.SetDefinition) -> NetfilterSet {
        var set = definition.set
        set.name = "__map7"
        set.id = nil
        return set
    }

    @Test func knownSetIsFoundByItsDeclaration() throws {
        let programs = try Self.programs(try FakeFixtures.state("upstream-overall-scenario"))
        let definitions = Self.anonymousDefinitions(programs)
        let known = KnownAnonymousSets(programs)
        #expect(known.count > 0)
        for definition in definitions {
            #expect(known.elements(of: Self.kernelSet(definition)) == definition.elements)
        }
    }

    @Test func setsWithoutAMatchingRecordAreNotFound() throws {
        let programs = try Self.programs(try FakeFixtures.state("upstream-overall-scenario"))
        let definition = try #require(Self.anonymousDefinitions(programs).first)
        let known = KnownAnonymousSets(programs)
        var tampered = Self.kernelSet(definition)
        tampered.userData![tampered.userData!.count - 1] ^= 0xff
        #expect(known.elements(of: tampered) == nil, "a different digest")
        var withoutDigest = Self.kernelSet(definition)
        withoutDigest.userData = Array(withoutDigest.userData!.dropLast(18))
        #expect(known.elements(of: withoutDigest) == nil, "no digest (nft or an older PacketPath wrote it)")
        var named = Self.kernelSet(definition)
        named.flags.remove(.anonymous)
        #expect(known.elements(of: named) == nil, "only anonymous sets are constant")
        var otherKey = Self.kernelSet(definition)
        otherKey.keyLength += 4
        #expect(known.elements(of: otherKey) == nil, "declared differently")
        #expect(KnownAnonymousSets.none.elements(of: Self.kernelSet(definition)) == nil)
    }

    /// With the desired sets known, read-back dumps only the named sets and yields the same
    /// typed model as a full read.
    @Test func readBackWithKnownSetsEqualsAFullRead() throws {
        let programs = try Self.programs(try FakeFixtures.state("upstream-overall-scenario"))
        let kernel = FakeKernel()
        _ = try NFTablesApplier().apply(programs, connection: kernel)
        for program in programs {
            let table = try #require(try kernel.tables(family: program.family).first { $0.name == program.table })
            let full = CountingConnection(kernel)
            let fullState = try NFTablesReadBack.read(table, connection: full)
            let trusting = CountingConnection(kernel)
            let trustedState = try NFTablesReadBack.read(table, connection: trusting, known: KnownAnonymousSets(programs))
            #expect(fullState.chains == trustedState.chains)
            #expect(fullState.sets == trustedState.sets)
            #expect(full.dumpedSets.contains { $0.hasPrefix("__") } == !program.rules.allSatisfy(\.anonymousSets.isEmpty))
            #expect(trusting.dumpedSets.filter { $0.hasPrefix("__") }.isEmpty)
            #expect(trusting.dumpedSets.count == program.sets.count)
        }
    }

    /// One Service's endpoints changed: its numgen map no longer matches a desired set, so
    /// read-back dumps it (and only it), and the plan still sees the change.
    @Test func changedSetIsDumped() throws {
        let base = try FakeFixtures.state("upstream-overall-scenario")
        let programs = try Self.programs(base)
        let kernel = FakeKernel()
        _ = try NFTablesApplier().apply(programs, connection: kernel)
        let changed = try Self.programs(NFTablesIncrementalFakeTests.withOneMoreEndpoint(base))
        let program = try #require(programs.first)
        let table = try #require(try kernel.tables(family: program.family).first { $0.name == program.table })
        let trusting = CountingConnection(kernel)
        let state = try NFTablesReadBack.read(table, connection: trusting, known: KnownAnonymousSets(changed))
        let dumpedAnonymous = trusting.dumpedSets.filter { $0.hasPrefix("__") }
        #expect(!dumpedAnonymous.isEmpty)
        #expect(dumpedAnonymous.count < Self.anonymousDefinitions([program]).count)
        #expect(state.chains == (try NFTablesReadBack.read(table, connection: kernel)).chains)
    }
}
