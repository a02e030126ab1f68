import IPTablesText
import NetworkNamespaces
import PacketPath
import RuleDiff
import Testing
import TestSupport

/// A namespace that lacks rules must show them missing: its absent tables are empty tables,
/// not something left out of the comparison.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct AbsentRulesDiffTests {
    static let loader = SideLoader(liveReader: NetlinkNamespaceReader())

    /// Every Service port of the manifests, as the report names them.
    static func servicePorts(_ side: LoadedSide) throws -> [String] {
        try #require(side.cluster).state.services.filter { !$0.clusterIPs.isEmpty }.flatMap { service in
            service.ports.map { "\(service.metadata.namespace)/\(service.metadata.name)" + ($0.name.isEmpty ? "" : ":\($0.name)") }
        }.sorted()
    }

    @Test func emptyNamespaceMissesEveryServicePort() throws {
        let scratch = try ScratchNamespace(tag: "empty")
        defer { scratch.remove() }
        let manifests = try Self.loader.load(.paths([SharedCases.example]))
        let report = Review.diff(manifests, try Self.loader.load(.namespace(scratch.name)))
        let ports = report.families.flatMap(\.servicePorts)
        #expect(report.families.count == Pipeline.defaultFamilies(for: try #require(manifests.cluster).state).count)
        #expect(Set(ports.map(\.name)).sorted() == (try Self.servicePorts(manifests)))
        #expect(ports.allSatisfy { $0.status == .removed })
        // The fixed kube-proxy chains are missing too, in every family.
        #expect(report.families.allSatisfy { $0.missingChains.contains { $0.chain == "KUBE-POSTROUTING" } })
        #expect(!report.isEmpty)

        // Both ways round.
        let reversed = Review.diff(try Self.loader.load(.namespace(scratch.name)), manifests)
        #expect(reversed.families.flatMap(\.servicePorts).allSatisfy { $0.status == .added })
        #expect(reversed.differenceCount == report.differenceCount)
    }

    @Test func emptyNamespaceAgainstADump() throws {
        let scratch = try ScratchNamespace(tag: "emptyd")
        defer { scratch.remove() }
        let dump = try Self.loader.load(.paths([SharedCases.path("clusterip-2-endpoints", "live-iptables-save.txt")]))
        let report = Review.diff(dump, try Self.loader.load(.namespace(scratch.name)))
        #expect(report.families.first?.servicePorts.map(\.status) == [.removed])
    }

    /// One Service port's chains (and the rules jumping to them) removed from the nat table:
    /// that port is reported, no other. Then without the filter table at all: its kube-proxy
    /// chains are missing.
    @Test func partlyFilledNamespace() throws {
        let scratch = try ScratchNamespace(tag: "part")
        defer { scratch.remove() }
        let caseName = "upstream-overall-scenario"
        let manifests = try Self.loader.load(.paths([SharedCases.path(caseName, "input.yaml")]))
        var ruleset = try IPTablesSaveParser().parseOne(try SharedCases.text(caseName, "kube-proxy.iptables-save"))
        let natIndex = try #require(ruleset.tables.firstIndex { $0.name == "nat" })
        let nat = ruleset.tables[natIndex]
        let service = try #require(nat.chains.first { $0.name.hasPrefix("KUBE-SVC-") })
        let gone = Set([service.name] + service.rules.flatMap { $0.verdict?.targetChains ?? [] }.filter { $0.hasPrefix("KUBE-SEP-") })
        ruleset.tables[natIndex].chains = nat.chains.filter { !gone.contains($0.name) }.map { chain in
            var chain = chain
            chain.rules.removeAll { rule in rule.verdict?.targetChains.contains(where: gone.contains) == true }
            return chain
        }
        let loaded = try scratch.exec(["iptables-restore"], input: Array(try IPTablesTextWriter().text(ruleset).utf8))
        try #require(loaded.succeeded, "\(loaded.stderr)")

        let report = Review.diff(manifests, try Self.loader.load(.namespace(scratch.name)))
        let ports = try #require(report.families.first?.servicePorts)
        #expect(ports.count == 1, "\(report.text)")
        #expect(ports.first?.status != .added)
        #expect(report.families[0].extraChains.isEmpty && report.families[0].missingChains.isEmpty, "\(report.text)")

        let deleted = try scratch.exec(["nft", "delete", "table", "ip", "filter"])
        try #require(deleted.succeeded, "\(deleted.stderr)")
        let withoutFilter = Review.diff(manifests, try Self.loader.load(.namespace(scratch.name)))
        #expect(withoutFilter.families[0].missingChains.contains { $0.table == "filter" && $0.chain == "KUBE-FORWARD" },
                "\(withoutFilter.text)")
        #expect(withoutFilter.differenceCount > report.differenceCount)
    }
}
