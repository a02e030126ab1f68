import Foundation
import Testing
import TestSupport
import ClusterState
import IPTablesText
import PacketPath
import RuleDiff
import RuleModel

/// Manifests compiled on the fly against what a node shows, and crafted changes.
@Suite struct DiffAcceptanceTests {
    private let loader = SideLoader(liveReader: nil)

    private func side(_ caseName: String, _ file: String) throws -> LoadedSide {
        try loader.load(.paths([SharedCases.path(caseName, file)]))
    }

    private func rules(_ text: String, name: String = "edited") throws -> LoadedSide {
        LoadedSide(input: .paths([name]), content: .rules(try IPTablesSaveParser(sourceName: name).parse(text)))
    }

    private func manifests(_ text: String) throws -> LoadedSide {
        LoadedSide(input: .paths(["edited.yaml"]),
                   content: .manifests(try ManifestLoader.load(sources: [ManifestSource(name: "edited.yaml", text: text)])))
    }

    @Test func allThirtyCasesArePresent() {
        #expect(SharedCases.names.count == 30)
    }

    @Test(arguments: SharedCases.names)
    func manifestsMatchTheirLiveDump(caseName: String) throws {
        let report = Review.diff(try side(caseName, "input.yaml"), try side(caseName, "live-iptables-save.txt"))
        #expect(report.isEmpty, "\(report.text)")
        #expect(report.families.count == 1)
        // The dump has no jump rules in its built-in chains; that is said, not reported.
        #expect(report.notes.contains { $0.contains("built-in chains not compared") })
    }

    @Test(arguments: SharedCases.names)
    func restorePayloadMatchesLiveDump(caseName: String) throws {
        let report = Review.diff(try side(caseName, "kube-proxy.iptables-save"), try side(caseName, "live-iptables-save.txt"))
        #expect(report.isEmpty, "\(report.text)")
        #expect(report.notes.isEmpty)
    }

    @Test func oneEndpointRemoved() throws {
        let original = try SharedCases.text("clusterip-5-endpoints", "input.yaml")
        let entry = "- addresses:\n  - 10.180.2.1\n  conditions:\n    ready: true\n    serving: true\n    terminating: false\n  nodeName: node-b\n"
        #expect(original.contains(entry))
        let edited = original.replacingOccurrences(of: entry, with: "")
        #expect(!edited.contains("10.180.2.1"), "the crafted input must drop the endpoint")
        let report = Review.diff(try side("clusterip-5-endpoints", "input.yaml"), try manifests(edited))
        #expect(report.differenceCount == 1, "\(report.text)")
        let port = try #require(report.families.first?.servicePorts.first)
        #expect(port.name == "prod/api:http" && port.status == .changed)
        #expect(port.endpointsRemoved.map(\.endpoint) == ["10.180.2.1:8080"])
        #expect(port.endpointsRemoved.first?.share == "1/5")
        #expect(port.probabilityChanges.isEmpty && port.ruleChanges.isEmpty && port.endpointsAdded.isEmpty)
    }

    @Test func oneServiceAdded() throws {
        let original = try SharedCases.text("clusterip-1-endpoints", "input.yaml")
        let extra = """

            ---
            apiVersion: v1
            kind: Service
            metadata: {name: extra, namespace: prod}
            spec:
              clusterIP: 172.30.9.9
              ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: extra-1
              namespace: prod
              labels: {kubernetes.io/service-name: extra}
            addressType: IPv4
            endpoints: [{addresses: [10.180.9.1]}, {addresses: [10.180.9.2]}]
            ports: [{name: http, port: 8080, protocol: TCP}]

            """
        let report = Review.diff(try side("clusterip-1-endpoints", "live-iptables-save.txt"), try manifests(original + extra))
        #expect(report.differenceCount == 1, "\(report.text)")
        let port = try #require(report.families.first?.servicePorts.first)
        #expect(port.name == "prod/extra:http" && port.status == .added && port.protocol == "tcp")
        #expect(port.entryPoints.contains { $0.hasPrefix("cluster IP 172.30.9.9:80/tcp -> KUBE-SVC-") })
        #expect(port.endpoints.map(\.endpoint) == ["10.180.9.1:8080", "10.180.9.2:8080"])
        #expect(port.endpoints.map(\.share) == ["1/2", "1/2"])
    }

    @Test func strayRuleAndChainAreDrift() throws {
        let live = try SharedCases.text("clusterip-2-endpoints", "live-iptables-save.txt")
        let stray = "-A KUBE-SERVICES -d 10.9.9.9/32 -p tcp -m tcp --dport 81 -j ACCEPT"
        // Put the stray rules just before the nat table's COMMIT.
        var lines = live.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let natCommit = lines.lastIndex(of: "COMMIT")!
        lines.insert(contentsOf: [stray, "-A KUBE-STRAY -j RETURN"], at: natCommit)
        let declaration = lines.lastIndex(of: ":KUBE-SERVICES - [0:0]")!
        lines.insert(":KUBE-STRAY - [0:0]", at: declaration)
        let report = Review.diff(try side("clusterip-2-endpoints", "input.yaml"), try rules(lines.joined(separator: "\n")))
        #expect(report.differenceCount == 2, "\(report.text)")
        let family = try #require(report.families.first)
        #expect(family.servicePorts.isEmpty)
        #expect(family.chains == [ChainDiff(table: "nat", chain: "KUBE-SERVICES", onlyInB: [
            "-d 10.9.9.9/32 -p tcp -m tcp --dport 81 -j ACCEPT",
        ])])
        #expect(family.extraChains == [ChainSummary(table: "nat", chain: "KUBE-STRAY", rules: ["-j RETURN"])])
        #expect(report.text.contains("drift"))
    }

    @Test func probabilityChanged() throws {
        let live = try SharedCases.text("clusterip-5-endpoints", "live-iptables-save.txt")
        let edited = live.replacingOccurrences(of: "--probability 0.25000000000", with: "--probability 0.50000000000")
        #expect(edited != live)
        let report = Review.diff(try side("clusterip-5-endpoints", "input.yaml"), try rules(edited))
        #expect(report.differenceCount == 1, "\(report.text)")
        let port = try #require(report.families.first?.servicePorts.first)
        #expect(port.name == "prod/api:http")
        let change = try #require(port.probabilityChanges.first)
        #expect(change.chain == "KUBE-SVC-CHDJO776PRA6J5EO")
        #expect(change.endpoints.filter(\.ruleChanged).map(\.endpoint) == ["10.180.1.1:8080"])
        let entry = try #require(change.endpoints.first { $0.ruleChanged })
        #expect(entry.ruleProbabilityA == "0.25000000000 (1/4)" && entry.ruleProbabilityB == "0.50000000000 (1/2)")
        #expect(entry.shareA == "1/5 (20.00%)" && entry.shareB == "2/5 (40.00%)")
        #expect(port.endpointsAdded.isEmpty && port.endpointsRemoved.isEmpty && port.ruleChanges.isEmpty)
    }

    /// Large-cluster mode has no comments on SEP chains: a change there is still reported under
    /// the Service port's name.
    @Test func endpointChainsWithoutCommentsAreNamed() throws {
        let live = try SharedCases.text("large-cluster-mode", "live-iptables-save.txt")
        var lines = live.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let sep = try #require(lines.firstIndex { $0.hasPrefix("-A KUBE-SEP-") && $0.contains("-j DNAT") })
        #expect(!lines[sep].contains("comment"))
        lines[sep] = lines[sep].replacingOccurrences(of: "-j DNAT --to-destination", with: "-j DNAT --to-destination 10.99.99.99:1 --x")
            .components(separatedBy: " --x")[0]
        let report = Review.diff(try side("large-cluster-mode", "input.yaml"), try rules(lines.joined(separator: "\n")))
        let port = try #require(report.families.first?.servicePorts.first)
        #expect(port.name == "prod/bulk:http")
        #expect(report.families.first?.extraChains.isEmpty == true && report.families.first?.missingChains.isEmpty == true)
        #expect(report.differenceCount == 2, "\(report.text)")
    }

    /// With every comment stripped from the dump, chains are still named by recomputing their
    /// hashes from the manifests' Service names.
    @Test func namesComeFromHashesWhenCommentsAreGone() throws {
        let live = try SharedCases.text("upstream-overall-scenario", "live-iptables-save.txt")
        let stripped = live.replacingOccurrences(of: #" -m comment --comment ("[^"]*"|[^ ]+)"#, with: "", options: .regularExpression)
        #expect(!stripped.contains("comment"))
        let a = try side("upstream-overall-scenario", "input.yaml")
        let report = Review.diff(a, try rules(stripped))
        let family = try #require(report.families.first)
        let expected = Set(Review.servicePortNames(a.cluster!.state))
        #expect(!family.servicePorts.isEmpty)
        #expect(family.servicePorts.allSatisfy { expected.contains($0.name) && $0.status == .changed }, "\(report.text)")
        #expect(family.extraChains.isEmpty && family.missingChains.isEmpty, "\(report.text)")
        // kube-proxy's fixed rules lost their comments too; nothing else differs there.
        #expect(family.chains.allSatisfy { $0.onlyInA.count == $0.onlyInB.count && $0.onlyInA.allSatisfy { $0.contains("--comment") } })
        // Only comments differ: every change is a rule pair that differs in its comment alone.
        #expect(family.servicePorts.allSatisfy { $0.endpointsAdded.isEmpty && $0.endpointsRemoved.isEmpty && $0.probabilityChanges.isEmpty })
    }

    @Test func jsonRoundTrips() throws {
        let live = try SharedCases.text("clusterip-5-endpoints", "live-iptables-save.txt")
        let report = Review.diff(try side("clusterip-5-endpoints", "input.yaml"),
                                 try rules(live.replacingOccurrences(of: "0.25000000000", with: "0.50000000000")))
        let data = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(DiffReport.self, from: data) == report)
    }
}
