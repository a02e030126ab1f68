import ArgumentParser
import ClusterState
import Lint
import PacketPath

/// `packetpath lint`: mistakes in the manifests that leave Services without endpoints.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check manifests for mistakes that break Services and NetworkPolicies (exit 1 when there are errors).",
        discussion: """
            Checks: Service selectors that match no Pod (and one-label typos, with the nearest \
            label), targetPorts no selected Pod declares, EndpointSlice port names that differ \
            from the Service's, Services without ready endpoints, NetworkPolicies that select no \
            Pod, Services sharing a cluster IP, NodePorts outside the NodePort range; Ingress backends \
            naming a missing Service, port or port name, ingressClassName with no IngressClass (or no \
            default class), two Ingresses claiming one host and path, TLS hosts no rule covers, and \
            NetworkPolicies that keep the Ingress controller's Pods from a backend.
              packetpath lint examples/broken-ingress.yaml
              packetpath lint examples/shop.yaml examples/shop-ingress.yaml -o json
              packetpath lint manifests/ -o json
            """)

    @Argument(help: ArgumentHelp("Manifest files or directories ('-' reads stdin).", valueName: "file"))
    var files: [String]

    @Option(name: .customLong("node-port-range"), help: ArgumentHelp("The API server's NodePort range.", valueName: "first-last"))
    var nodePortRange: String = "30000-32767"

    @Option(name: [.short, .long], help: "Output format: text or json.")
    var output: OutputFormat = .text

    @OptionGroup var input: InputOptions

    func run() throws {
        let findings = try CLIInput.run { () -> [Finding] in
            let bounds = nodePortRange.split(separator: "-").compactMap { Int($0) }
            guard bounds.count == 2, bounds[0] <= bounds[1] else { throw SideError("--node-port-range \(nodePortRange) is not FIRST-LAST") }
            // Services sharing a cluster IP are one of lint's findings, not a load error.
            let loader = SideLoader(liveReader: nil, options: input.loadOptions(allowSharedClusterIPs: true))
            guard let cluster = try CLIInput.loadSide(loader, .paths(files), input).cluster else {
                throw SideError("lint checks manifests; rules (iptables-save or nft text) have nothing for it to check")
            }
            return Linter().run(LintContext(state: cluster.state, nodePortRange: bounds[0]...bounds[1]))
        }
        switch output {
        case .text:
            var lines = findings.map(\.text)
            let (errors, warnings) = (findings.errorCount, findings.warningCount)
            lines.append("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
            StandardStreams.writeOut(Array((lines.joined(separator: "\n") + "\n").utf8))
        case .json:
            try StandardStreams.writeJSON(findings)
        }
        if findings.errorCount > 0 { throw ExitCode(1) }
    }
}
