import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import NFTablesEncoding
import Testing
import TestSupport

/// Read-back of a real namespace with the desired anonymous sets known: the same typed model
/// as a full read, with only the sets the desired state cannot vouch for dumped. NEEDS ROOT:
/// skipped otherwise (and failing when PACKETPATH_REQUIRE_PRIVILEGED=1 demands privileges).
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NFTablesReadBackKernelTests {
    /// The kernel keeps a hash or bitmap set in its own order.
    static func sortedElements(_ state: NFTablesTableState) -> NFTablesTableState {
        var state = state
        let order: (SetElement, SetElement) -> Bool = { lhs, rhs in
            lhs.key == rhs.key ? (!lhs.intervalEnd && rhs.intervalEnd) : lhs.key.lexicographicallyPrecedes(rhs.key)
        }
        for chain in state.chains.indices {
            for rule in state.chains[chain].rules.indices {
                for set in state.chains[chain].rules[rule].anonymousSets.indices {
                    state.chains[chain].rules[rule].anonymousSets[set].elements.sort(by: order)
                }
            }
        }
        for set in state.sets.indices { state.sets[set].elements.sort(by: order) }
        return state
    }

    /// Applies `applied`, then reads its tables back knowing `desired`'s anonymous sets.
    static func readBack(applied: [NFTablesProgram], knowing desired: [NFTablesProgram])
        throws -> [(full: NFTablesTableState, trusted: NFTablesTableState, dumped: [ObjectName], program: NFTablesProgram)] {
        let scratch = try ScratchNamespace(tag: "nftrb")
        defer { scratch.remove() }
        return try NetfilterSocket.withSocket(in: scratch.namespace) { socket in
            let connection = NetlinkConnection(socket)
            _ = try NFTablesApplier().apply(applied, connection: connection)
            return try applied.map { program in
                let table = try #require(try connection.tables(family: program.family).first { $0.name == program.table })
                let full = try NFTablesReadBack.read(table, connection: connection)
                let counting = CountingConnection(connection)
                let trusted = try NFTablesReadBack.read(table, connection: counting, known: KnownAnonymousSets(desired))
                return (full, trusted, counting.dumpedSets, program)
            }
        }
    }

    @Test func knownSetsReadAsAFullRead() throws {
        let programs = try NFTablesIncrementalFakeTests.programs(try FakeFixtures.state("upstream-overall-scenario"))
        for read in try Self.readBack(applied: programs, knowing: programs) {
            #expect(read.program.rules.contains { !$0.anonymousSets.isEmpty })
            let full = Self.sortedElements(read.full)
            let trusted = Self.sortedElements(read.trusted)
            #expect(full.chains == trusted.chains)
            #expect(full.sets == trusted.sets)
            #expect(!read.dumped.contains { $0.hasPrefix("__") }, "no anonymous set dumped")
            #expect(read.dumped.count == read.program.sets.count)
        }
    }

    @Test func setsTheDesiredStateDoesNotVouchForAreDumped() throws {
        let base = try FakeFixtures.state("upstream-overall-scenario")
        let applied = try NFTablesIncrementalFakeTests.programs(base)
        let desired = try NFTablesIncrementalFakeTests.programs(NFTablesIncrementalFakeTests.withOneMoreEndpoint(base))
        for read in try Self.readBack(applied: applied, knowing: desired) where read.program.family == .ipv4 {
            let anonymous = read.program.rules.reduce(0) { $0 + $1.anonymousSets.count }
            let dumped = read.dumped.filter { $0.hasPrefix("__") }.count
            #expect(dumped > 0 && dumped < anonymous)
            #expect(Self.sortedElements(read.full).chains == Self.sortedElements(read.trusted).chains)
        }
        // Nothing known: every set dumped.
        for read in try Self.readBack(applied: applied, knowing: []) {
            #expect(Self.sortedElements(read.full).chains == Self.sortedElements(read.trusted).chains)
            #expect(read.dumped.count == read.program.sets.count + read.program.rules.reduce(0) { $0 + $1.anonymousSets.count })
        }
    }

    /// Chains read by name (the desired state's) give the full read's chains in the kernel's
    /// order — also when the desired state names a chain the kernel lacks, and when the kernel
    /// holds one the desired state does not name (the object count sends that read back to
    /// listing every chain).
    @Test func chainsReadByNameAsAFullRead() throws {
        let base = try FakeFixtures.state("upstream-overall-scenario")
        let smaller = try NFTablesIncrementalFakeTests.programs(base)
        let larger = try NFTablesIncrementalFakeTests.programs(NFTablesIncrementalFakeTests.withOneMoreEndpoint(base))
        #expect(Set(larger[0].chains.map(\.name)).isStrictSuperset(of: Set(smaller[0].chains.map(\.name))))
        for (applied, expected, listings) in [(smaller, smaller, 0), (smaller, larger, 0), (larger, smaller, 1)] {
            let scratch = try ScratchNamespace(tag: "nftrn")
            defer { scratch.remove() }
            try NetfilterSocket.withSocket(in: scratch.namespace) { socket in
                let connection = NetlinkConnection(socket)
                _ = try NFTablesApplier().apply(applied, connection: connection)
                for (program, names) in zip(applied, expected.map { $0.chains.map(\.name) }) {
                    let table = try #require(try connection.tables(family: program.family).first { $0.name == program.table })
                    #expect(table.objectCount != nil)
                    let full = try NFTablesReadBack.read(table, connection: connection)
                    let counting = CountingConnection(connection)
                    let byName = try NFTablesReadBack.read(table, connection: counting, expectedChains: names)
                    #expect(counting.chainListings == listings)
                    #expect(byName.chains.map(\.info) == full.chains.map(\.info))
                    #expect(Self.sortedElements(byName).chains == Self.sortedElements(full).chains)
                }
            }
        }
    }
}
