import Foundation
import Testing
import ClusterState
import PacketPath
import RuleDiff
import TestSupport

/// NetworkPolicy chains are compared like any chain, and their comments (which name pods and
/// policies as namespace/name) never pass for Service ports.
@Suite struct PolicyDiffTests {
    static let example = SharedCases.example

    @Test func aChangedPolicyPortIsAChainChange() throws {
        let original = try String(contentsOfFile: Self.example, encoding: .utf8)
        let edited = original.replacingOccurrences(of: "ports: [{port: 8080}, {port: 8443}]", with: "ports: [{port: 8081}, {port: 8443}]")
        #expect(edited != original)
        let load = { (text: String) in
            LoadedSide(input: .paths(["shop.yaml"]),
                       content: .manifests(try ManifestLoader.load(sources: [ManifestSource(name: "shop.yaml", text: text)])))
        }
        let report = Review.diff(try load(original), try load(edited))
        #expect(report.families.allSatisfy { $0.servicePorts.isEmpty }, "\(report.text)")
        let changes = report.families.flatMap(\.chains)
        #expect(!changes.isEmpty && changes.allSatisfy { $0.chain.hasPrefix("PP-POL-I-") })
        #expect(changes.flatMap(\.onlyInB).allSatisfy { $0.contains("--dport 8081") })
        #expect(changes.flatMap(\.onlyInA).allSatisfy { $0.contains("--dport 8080") })
    }
}
