import ClusterState
import NetfilterApply
import NetfilterNetlink
import PacketPath
import RuleModel
import Testing
import TestSupport

/// The policy table (`ip packetpath-policy`) applied with kube-proxy's, in memory.
@Suite struct PolicyTableFakeTests {
    static func rulesets(_ path: String) throws -> [Ruleset] {
        let loaded = try ManifestLoader.load(paths: [path])
        return Pipeline.compileNFTables(loaded.state, families: Pipeline.defaultFamilies(for: loaded.state))
    }

    static let shop = ProjectPaths.root + "/examples/shop.yaml"

    @Test func thePolicyTableIsOwnedAndGoesWhenNoPodIsIsolated() throws {
        let kernel = FakeKernel()
        let withPolicies = try NFTablesApplier.programs(try Self.rulesets(Self.shop))
        #expect(withPolicies.map(\.table).contains("packetpath-policy"))
        #expect(try NFTablesApplier().apply(withPolicies, connection: kernel).outcome == .applied)
        let tables = try kernel.tables(family: .ipv4)
        #expect(Set(tables.map(\.name)) == ["kube-proxy", "packetpath-policy"])
        #expect(tables.allSatisfy(NFTablesOwnership.isOwned))

        // The same Services without policies: the policy table is deleted, kube-proxy's kept.
        var state = try ManifestLoader.load(paths: [Self.shop]).state
        state.networkPolicies = []
        let servicesOnly = try NFTablesApplier.programs(Pipeline.compileNFTables(state, families: [.ipv4]))
        #expect(try NFTablesApplier().apply(servicesOnly, connection: kernel).outcome == .applied)
        #expect(try kernel.tables(family: .ipv4).map(\.name) == ["kube-proxy"])
        // Re-applying sends nothing (the kernel table was changed in place, so its recorded
        // fingerprint is the older one and the apply reads the table back to know).
        let commits = kernel.commits
        #expect(try NFTablesApplier().apply(servicesOnly, connection: kernel).outcome == .unchangedAfterReadBack)
        #expect(kernel.commits == commits)
    }

    @Test func aPolicyTableSomeoneElseLoadedIsRefusedUnlessTakingOver() throws {
        let kernel = FakeKernel()
        try kernel.commitForeign([.addTable(TableKey(.ipv4, "packetpath-policy"), comment: nil)])
        let programs = try NFTablesApplier.programs(try Self.rulesets(Self.shop))
        #expect(throws: ApplyError.self) { try NFTablesApplier().apply(programs, connection: kernel) }
        #expect(try NFTablesApplier(takeOver: true).apply(programs, connection: kernel).outcome == .applied)
    }
}
