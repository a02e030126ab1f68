import Foundation
import NetworkNamespaces
import Testing
import TestSupport

/// `packetpath apply --backend nftables`, and `mode: nftables` in a KubeProxyConfiguration:
/// kube-proxy's nftables table (and the policy table) programmed natively, listing as
/// `nft -f` would leave them.
/// ROOT TESTS: without the privileges the suite is reported as SKIPPED (not passed).
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NFTablesApplyCommandTests {
    static let caseDirectory = ProjectPaths.kubeProxyCases + "/nodeport-local"

    @Test func backendFlagProgramsKubeProxysTable() throws {
        let scratch = try ScratchNamespace(tag: "clin")
        defer { scratch.remove() }
        let input = Self.caseDirectory + "/input.yaml"
        for expected in ["applied ", "\(scratch.name) is already up to date"] {
            let run = try HostCommand.run([ProjectPaths.binary, "apply", input, "--backend", "nftables", "--netns", scratch.name])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasPrefix(expected), "\(run.stdout)")
        }
        let listing = try scratch.exec(["nft", "list", "table", "ip", "kube-proxy"])
        let expected = try String(contentsOfFile: Self.caseDirectory + "/live-nft-list.txt", encoding: .utf8)
        #expect(listing.stdout == expected)
        // Nothing iptables-shaped was written next to it.
        #expect(!(try scratch.exec(["nft", "list", "tables"]).stdout.contains("nat")))
    }

    @Test func kubeProxyConfigurationModeSelectsTheBackend() throws {
        let scratch = try ScratchNamespace(tag: "clim")
        defer { scratch.remove() }
        let config = """
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            mode: nftables
            ---

            """
        let input = try String(contentsOfFile: Self.caseDirectory + "/input.yaml", encoding: .utf8)
        let run = try HostCommand.run([ProjectPaths.binary, "apply", "-", "--netns", scratch.name],
                                      input: Array((config + input).utf8))
        #expect(run.status == 0, "\(run.stderr)")
        let tables = try scratch.exec(["nft", "list", "tables"]).stdout
        #expect(tables.contains("table ip kube-proxy"), "\(tables)")
    }

    @Test func policiesAreAppliedAsTheirOwnTable() throws {
        let scratch = try ScratchNamespace(tag: "clip")
        defer { scratch.remove() }
        let input = ProjectPaths.root + "/examples/shop.yaml"
        let run = try HostCommand.run([ProjectPaths.binary, "apply", input, "--backend", "nftables", "--netns", scratch.name])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("warning"), "\(run.stderr)")
        #expect(run.stdout.contains("ip packetpath-policy"), "\(run.stdout)")
        let tables = try scratch.exec(["nft", "list", "tables"]).stdout
        // Beside them, PacketPath's digest record (bookkeeping for the next apply).
        #expect(Set(tables.split(separator: "\n")) == ["table ip kube-proxy", "table ip packetpath-policy", "table ip6 kube-proxy",
                                                      "table ip6 packetpath-policy", "table ip packetpath-nft"], "\(tables)")
        // reset deletes both: PacketPath owns the policy table as it owns kube-proxy's.
        let reset = try HostCommand.run([ProjectPaths.binary, "reset", "--netns", scratch.name])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(try scratch.exec(["nft", "list", "tables"]).stdout.isEmpty)
    }

    @Test func someoneElsesTableIsRefusedWithOneLine() throws {
        let scratch = try ScratchNamespace(tag: "clif")
        defer { scratch.remove() }
        _ = try scratch.exec(["nft", "add", "table", "ip", "kube-proxy"])
        let input = Self.caseDirectory + "/input.yaml"
        let refused = try HostCommand.run([ProjectPaths.binary, "apply", input, "--backend", "nftables", "--netns", scratch.name])
        #expect(refused.status == 2)
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("--take-over"), "\(refused.stderr)")
        let taken = try HostCommand.run([ProjectPaths.binary, "apply", input, "--backend", "nftables", "--take-over",
                                         "--netns", scratch.name])
        #expect(taken.status == 0, "\(taken.stderr)")
    }
}
