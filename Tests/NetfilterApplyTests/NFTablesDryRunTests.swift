import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import NFTText
import PacketPath
import RuleModel
import Testing
import TestSupport

/// `apply --dry-run` of the nftables layout prints the planned change as `nft -f` input and
/// sends nothing; against the in-memory kernel (no root).
@Suite struct NFTablesDryRunTests {
    typealias Incremental = NFTablesIncrementalFakeTests

    static func rulesets(_ state: ClusterState) -> [Ruleset] {
        Pipeline.compileNFTables(state, families: Pipeline.defaultFamilies(for: state))
    }

    static func dryRun(_ state: ClusterState, on kernel: FakeKernel) throws -> String {
        let commits = kernel.commits
        let report = try NFTablesApplier(options: ApplyOptions(dryRun: true)).apply(rulesets(state), connection: kernel)
        #expect(report.outcome == .dryRun)
        #expect(kernel.commits == commits, "a dry run committed")
        return try #require(report.dryRunText)
    }

    @Test func intoAnEmptyNamespaceItPrintsWhatCompilePrints() throws {
        let state = try FakeFixtures.state("upstream-overall-scenario")
        let compiled = try Self.rulesets(state).map { try NFTTextWriter().text($0) }.joined()
        #expect(try Self.dryRun(state, on: FakeKernel()) == compiled)
    }

    @Test func oneMoreEndpointFlushesAndRefillsOneServiceChain() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("upstream-overall-scenario")
        _ = try NFTablesApplier().apply(Self.rulesets(state), connection: kernel)
        let lines = try Self.dryRun(Incremental.withOneMoreEndpoint(state), on: kernel).split(separator: "\n")
        let flushed = lines.filter { $0.hasPrefix("flush chain ip kube-proxy service-") }
        #expect(flushed.count == 1, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("add chain ip kube-proxy endpoint-") && $0.contains("10.244.9.99") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("add rule ip kube-proxy endpoint-") && $0.contains("dnat to 10.244.9.99") }, "\(lines)")
        let service = try #require(flushed.first?.split(separator: " ").last)
        #expect(lines.contains { $0.hasPrefix("add rule ip kube-proxy \(service) ") }, "the flushed chain is refilled")
        #expect(!lines.contains { $0.hasPrefix("delete") }, "\(lines)")
        // Only what changed: no other service's chain is written.
        let written = Set(lines.filter { $0.hasPrefix("add rule ") }.map { $0.split(separator: " ")[4] })
        #expect(written.count == 2, "\(written.sorted())")
    }

    @Test func aRemovedServiceDeletesItsElementsThenItsChains() throws {
        let kernel = FakeKernel()
        let base = try FakeFixtures.state("upstream-overall-scenario")
        _ = try NFTablesApplier().apply(Self.rulesets(Incremental.withOneMoreService(base)), connection: kernel)
        let text = try Self.dryRun(base, on: kernel)
        let lines = text.split(separator: "\n").map(String.init)
        let elementLine = try #require(lines.firstIndex { $0.hasPrefix("delete element ip kube-proxy service-ips { 10.96.77.77 . ") },
                                       "\(text)")
        let chainLines = lines.indices.filter { lines[$0].hasPrefix("delete chain ip kube-proxy ") }
        #expect(!chainLines.isEmpty && chainLines.allSatisfy { lines[$0].contains("/extra/") && $0 > elementLine }, "\(text)")
        #expect(!lines.contains { $0.hasPrefix("add ") }, "\(text)")
    }

    @Test func anUnchangedStatePrintsNothing() throws {
        let kernel = FakeKernel()
        let state = try FakeFixtures.state("upstream-overall-scenario")
        _ = try NFTablesApplier().apply(Self.rulesets(state), connection: kernel)
        let report = try NFTablesApplier(options: ApplyOptions(dryRun: true)).apply(Self.rulesets(state), connection: kernel)
        #expect(report.dryRunText == "")
        #expect(report.operations.isEmpty)
    }
}

/// ROOT: the dry run's text, loaded with `nft -f` into the namespace it was planned against,
/// leaves exactly what the native apply leaves. Skipped without root.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NFTablesDryRunKernelTests {
    @Test(arguments: ["endpoint", "service", "removal", "case"])
    func theTextMakesTheSameChange(_ change: String) throws {
        let base = try FakeFixtures.state("upstream-overall-scenario")
        let (from, to): (ClusterState, ClusterState)
        switch change {
        case "endpoint": (from, to) = (base, NFTablesIncrementalFakeTests.withOneMoreEndpoint(base))
        case "service": (from, to) = (base, NFTablesIncrementalFakeTests.withOneMoreService(base))
        case "removal": (from, to) = (NFTablesIncrementalFakeTests.withOneMoreService(base), base)
        default: (from, to) = (base, try FakeFixtures.state("session-affinity-clientip"))
        }
        let scratch = try ScratchNamespace(tag: "nftdry")
        defer { scratch.remove() }
        let fresh = try ScratchNamespace(tag: "nftdryf")
        defer { fresh.remove() }
        let apply = { (state: ClusterState, options: ApplyOptions, namespace: ScratchNamespace) throws -> ApplyReport in
            try NetfilterSocket.withSocket(in: namespace.namespace) { socket in
                try NFTablesApplier(options: options).apply(NFTablesDryRunTests.rulesets(state), connection: NetlinkConnection(socket))
            }
        }
        _ = try apply(from, ApplyOptions(), scratch)
        let report = try apply(to, ApplyOptions(dryRun: true), scratch)
        let text = try #require(report.dryRunText)
        let loaded = try scratch.exec(["nft", "-f", "-"], input: Array(text.utf8))
        #expect(loaded.status == 0, "nft -f refused the dry run's text: \(loaded.stderr)\n\(text)")
        _ = try apply(to, ApplyOptions(), fresh)
        let listing = { (namespace: ScratchNamespace) throws -> String in
            NFTablesIncrementalKernelTests.blocksSorted(try namespace.output(["nft", "list", "ruleset"]))
        }
        #expect(try listing(scratch) == listing(fresh), "\(text)")
        if report.operations[.addTable] == nil {
            // Changed in place: read back over netlink, the table PacketPath owns holds exactly the new state.
            #expect(try apply(to, ApplyOptions(alwaysReadBack: true), scratch).outcome == .unchangedAfterReadBack, "\(text)")
        }
    }
}
