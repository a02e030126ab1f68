import Foundation
import PacketPath
import RuleDiff
import Testing
import TestSupport

/// A dump of a node that also runs Docker, Calico and flannel, against the manifests of its
/// kube-proxy rules: only what the other software added is reported, each foreign rule as the
/// dump spells it (verbatim rules included), and a real Service change still shows.
@Suite struct NodeDumpDiffTests {
    static let loader = SideLoader(liveReader: nil)

    static func diff(_ dump: String) throws -> DiffReport {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pp-node-\(UUID().uuidString).txt").path
        try dump.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return Review.diff(try loader.load(.paths([SharedCases.path(NodeDumps.canalDockerCase, "input.yaml")])),
                           try loader.load(.paths([path])))
    }

    /// The dump's rules whose chain is not kube-proxy's or whose target is not, as `-A` lines;
    /// not those of the raw table's built-in chains, which the manifests have none of (so they
    /// are not compared, with a note).
    static func foreignLines(_ text: String) -> [String] {
        var table = ""
        return text.split(separator: "\n").map(String.init).filter { line in
            if line.hasPrefix("*") { table = line }
            guard line.hasPrefix("-A ") else { return false }
            let chain = line.split(separator: " ")[1]
            if table == "*raw" && chain.uppercased() == chain { return false }
            return !(chain.hasPrefix("KUBE-") || line.contains("-j KUBE-"))
        }
    }

    @Test func onlyTheOtherSoftwaresRulesDiffer() throws {
        let text = try SharedCases.read(NodeDumps.canalDocker)
        let report = try Self.diff(text)
        let family = try #require(report.families.first)
        #expect(report.families.count == 1)
        #expect(family.servicePorts.isEmpty, "\(report.text)")
        #expect(family.missingChains.isEmpty)
        #expect(family.chains.allSatisfy { $0.onlyInA.isEmpty }, "\(report.text)")
        // Every extra chain is Docker's, Calico's or flannel's.
        #expect(family.extraChains.allSatisfy { ["DOCKER", "cali-", "FLANNEL-"].contains(where: $0.chain.hasPrefix) })
        #expect(Set(family.extraChains.map(\.chain)).isSuperset(of: ["DOCKER-USER", "DOCKER-ISOLATION-STAGE-1", "cali-fw-cali1a2b3c4d5e6",
                                                                   "FLANNEL-FWD", "FLANNEL-POSTRTG"]))
        // Each foreign rule is reported exactly once, in a built-in chain's changes or an extra chain.
        let reported = family.chains.flatMap(\.onlyInB) + family.extraChains.flatMap(\.rules)
        #expect(reported.count == Self.foreignLines(text).count)
        #expect(reported.contains(#"-m comment --comment "cali:flqWnvo8yq4ULQLa" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully"#))
        #expect(reported.contains(#"-i eth0 -m conntrack --ctstate NEW -m limit --limit 10/min -j LOG --log-prefix "docker new: ""#))
        #expect(reported.contains("! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"))
        #expect(report.notes.contains { $0.hasPrefix("IPv4 raw: built-in chains have rules only in B") })
        // Docker's FORWARD policy is a real difference too.
        #expect(family.chains.contains { $0.chain == "FORWARD" && $0.policyA == "ACCEPT" && $0.policyB == "DROP" })
    }

    @Test func aServiceChangeStillShows() throws {
        // The second endpoint's pod moved to another port.
        let text = try SharedCases.read(NodeDumps.canalDocker)
        let drifted = text.replacingOccurrences(of: "--to-destination 10.180.1.1:8080", with: "--to-destination 10.180.1.1:8081")
        try #require(drifted != text)
        let report = try Self.diff(drifted)
        let ports = try #require(report.families.first?.servicePorts)
        #expect(ports.map(\.name) == ["prod/api:http"])
        #expect(ports.first?.status == .changed)
        #expect(ports.first?.endpointsRemoved.map(\.endpoint) == ["10.180.1.1:8080"])
        #expect(ports.first?.endpointsAdded.map(\.endpoint) == ["10.180.1.1:8081"])
    }

    /// An endpoint chain left behind with no dispatch rule choosing it: its share is gone.
    @Test func anEndpointNoLongerChosen() throws {
        var lines = try SharedCases.read(NodeDumps.canalDocker).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let before = lines.count
        lines.removeAll { $0.hasPrefix("-A KUBE-SVC-") && $0.hasSuffix("-j KUBE-SEP-UHEIDYYTQAJXCRXL") }
        try #require(lines.count == before - 1)
        let report = try Self.diff(lines.joined(separator: "\n"))
        let port = try #require(report.families.first?.servicePorts.first)
        #expect(report.families.first?.servicePorts.count == 1)
        #expect(port.name == "prod/api:http")
        let entries = try #require(port.probabilityChanges.first?.endpoints)
        #expect(entries.first { $0.endpoint == "10.180.1.1:8080" }?.shareB == nil)
        #expect(entries.first { $0.endpoint == "10.180.1.1:8080" }?.shareA == "1/2 (50.00%)")
    }

    /// The same node's verbatim rules compare equal to themselves and unequal once changed.
    @Test func verbatimRulesAreCompared() throws {
        let text = try SharedCases.read(NodeDumps.canalDocker)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pp-node-\(UUID().uuidString).txt").path
        let changed = text.replacingOccurrences(of: "--limit 10/min", with: "--limit 20/min")
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let same = Review.diff(try Self.loader.load(.paths([NodeDumps.canalDocker])), try Self.loader.load(.paths([NodeDumps.canalDocker])))
        #expect(same.isEmpty, "\(same.text)")
        let report = Review.diff(try Self.loader.load(.paths([NodeDumps.canalDocker])), try Self.loader.load(.paths([path])))
        #expect(report.differenceCount == 1, "\(report.text)")
        #expect(report.text.contains("--limit 20/min"))
    }
}
