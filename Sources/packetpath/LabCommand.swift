import ArgumentParser
import ClusterState
import NetnsLab

/// `packetpath lab ...`: prove compiled rules with real packets in network namespaces.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Prove compiled rules with real packets in scratch network namespaces (needs root).",
        discussion: """
            Needs root.
              packetpath lab netpol golden/netpol-cases/*/
              packetpath lab service
            """,
        subcommands: [NetpolLabCommand.self, ServiceLabCommand.self])
}

struct NetpolLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netpol",
        abstract: "Run NetworkPolicy case directories (cluster.yaml + expected.txt) and compare every probe line.",
        discussion: """
            Prints the observed verdicts in the expected.txt grammar and 'N passed, N failed, N skipped'. \
            Exits 1 when any line failed or was skipped, 2 on an error.
              packetpath lab netpol golden/netpol-cases/001-default-deny-ingress
              packetpath lab netpol --backend nftables golden/netpol-cases/*/
            """)

    @Argument(help: "Case directories.")
    var caseDirectories: [String]

    @Option(help: "Seconds each connection attempt may take.")
    var timeout: Double = 1.0

    @Option(help: "Connection attempts in flight at once.")
    var parallel: Int = 512

    @Flag(help: "Print only failed and skipped lines and the summaries.")
    var quiet = false

    @Option(help: "Cases run at once (each in its own namespaces).")
    var jobs = 8

    @Option(help: "Backend whose rules are installed: iptables (applied over netlink) or nftables (loaded with nft -f).")
    var backend: ProxyMode = .iptables

    func run() throws {
        let lab = NetpolLab(installer: LabInstallers.netpol(backend), probeOptions: ProbeOptions(timeout: timeout, maxInFlight: parallel))
        let cases = try CLIInput.run { try caseDirectories.map { try NetpolCase.load(directory: $0) } }
        for netpolCase in cases {
            for warning in netpolCase.warnings { StandardStreams.writeError("warning: \(netpolCase.name): \(warning)") }
        }
        let started = ContinuousClock.now
        let outcomes = lab.run(cases, jobs: jobs)
        let elapsed = ContinuousClock.now - started
        var failed = 0, skipped = 0, passed = 0
        for (netpolCase, outcome) in zip(cases, outcomes) {
            let report = try CLIInput.run { try outcome.get() }
            print(report.text(onlyProblems: quiet), terminator: "")
            StandardStreams.writeError("\(netpolCase.name): \(report.summary) in \(format(report.timings.total)) s (setup \(format(report.timings.setup)), probes \(format(report.timings.probing)), teardown \(format(report.timings.teardown)); \(report.hostCount) hosts, \(report.entries.count) lines)")
            failed += report.failed; skipped += report.skipped; passed += report.passed
        }
        if cases.count > 1 {
            print("total: \(passed) passed, \(failed) failed, \(skipped) skipped")
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            StandardStreams.writeError("total: \(cases.count) cases in \(format(seconds)) s wall clock (\(jobs) at once)")
        }
        if failed > 0 || skipped > 0 { throw ExitCode(1) }
    }
}

struct ServiceLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Prove the kube-proxy Service rules with real connections (ClusterIP spread, no endpoints, affinity, NodePort, LoadBalancer, traffic policy, hairpin).",
        discussion: """
            Builds a scratch node with pods and outside hosts, applies the compiled rules and \
            checks each behaviour with real TCP and UDP connections.
              packetpath lab service --connections 1000
            """)

    @Option(help: "Connections per protocol for the ClusterIP spread check (chi-square at α = 0.001).")
    var connections = 3000

    func run() throws {
        let checks = try CLIInput.run { () -> [ServiceCheck] in
            let lab = try ServiceLab(scenario: try ServiceLabScenario.standard())
            defer { lab.close() }
            return try ServiceLabChecks.all(lab, spreadConnections: connections)
        }
        for check in checks { print(check) }
        let failed = checks.filter { !$0.passed }.count
        print("\(checks.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}

/// Which rules the labs install: everything `compile` produces for the backend, applied
/// over netlink as `packetpath apply` does.
enum LabInstallers {
    static func netpol(_ backend: ProxyMode) -> any RuleInstaller {
        backend == .nftables ? NFTablesInstaller() : NetlinkInstaller()
    }
}

func format(_ seconds: Double) -> String {
    let hundredths = Int((seconds * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
