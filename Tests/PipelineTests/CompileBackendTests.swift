import Foundation
import NetworkNamespaces
import TestSupport
import Testing

/// `packetpath compile` picks its backend: `--backend` first, then the KubeProxyConfiguration's
/// `mode`, then iptables.
@Suite struct CompileBackendTests {
    static let caseDirectory = ProjectPaths.kubeProxyCases + "/nodeport-local"

    static func compile(_ arguments: [String], input: String? = nil) throws -> HostCommand.Output {
        try HostCommand.run([ProjectPaths.binary, "compile"] + arguments, input: Array((input ?? "").utf8))
    }

    static func reference(_ file: String) throws -> String {
        try String(contentsOfFile: caseDirectory + "/" + file, encoding: .utf8)
    }

    @Test func backendFlagPrintsKubeProxysNFTablesDump() throws {
        let output = try Self.compile([Self.caseDirectory + "/input.yaml", "--backend", "nftables"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout == (try Self.reference("kube-proxy.nft")))
    }

    @Test func modeNFTablesIsTheDefaultAndTheFlagOverridesIt() throws {
        let mode = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: nftables\n"
        let files = [Self.caseDirectory + "/input.yaml", "-"]
        let byMode = try Self.compile(files, input: mode)
        #expect(byMode.status == 0, "\(byMode.stderr)")
        #expect(byMode.stdout.hasPrefix("add table ip kube-proxy"), "\(byMode.stdout.prefix(200))")
        let overridden = try Self.compile(files + ["--backend", "iptables"], input: mode)
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(overridden.stdout.hasPrefix("*filter\n"), "\(overridden.stdout.prefix(200))")
    }

    @Test func unknownBackendIsAUsageError() throws {
        let output = try Self.compile([Self.caseDirectory + "/input.yaml", "--backend", "ipvs"])
        #expect(output.status != 0)
        #expect(output.stdout.isEmpty)
    }
}
