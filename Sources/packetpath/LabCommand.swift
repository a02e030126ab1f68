import ArgumentParser
import NetnsLab

/// `packetpath lab ...`: prove compiled rules with real packets in network namespaces.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Prove compiled rules with real packets in scratch network namespaces (needs root).",
        subcommands: [NetpolLabCommand.self, ServiceLabCommand.self])
}

struct NetpolLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netpol",
        abstract: "Run NetworkPolicy case directories (cluster.yaml + expected.txt) and compare every probe line.",
        discussion: "Prints the observed verdicts in the expected.txt grammar and 'N passed, N failed, N skipped'. Exits 1 when any line failed or was skipped, 2 on an error.")

    @Argument(help: "Case directories.")
    var caseDirectories: [String]

    @Option(help: "Seconds each connection attempt may take.")
    var timeout: Double = 1.0

    @Option(help: "Connection attempts in flight at once.")
    var parallel: Int = 512

    @Flag(help: "Print only failed and skipped lines and the summaries.")
    var quiet = false

    func run() throws {
        let lab = NetpolLab(installer: LabInstallers.netpol, probeOptions: ProbeOptions(timeout: timeout, maxInFlight: parallel))
        var failed = 0, skipped = 0, passed = 0, seconds = 0.0
        for directory in caseDirectories {
            let netpolCase = try CLIInput.run { try NetpolCase.load(directory: directory) }
            for warning in netpolCase.warnings + LabInstallers.netpolWarnings { StandardStreams.writeError("warning: \(netpolCase.name): \(warning)") }
            let report = try CLIInput.run { try lab.run(netpolCase) }
            print(report.text(onlyProblems: quiet), terminator: "")
            StandardStreams.writeError("\(report.caseName): \(report.summary) in \(format(report.timings.total)) s (setup \(format(report.timings.setup)), probes \(format(report.timings.probing)), teardown \(format(report.timings.teardown)); \(report.hostCount) hosts, \(report.entries.count) lines)")
            failed += report.failed; skipped += report.skipped; passed += report.passed; seconds += report.timings.total
        }
        if caseDirectories.count > 1 {
            print("total: \(passed) passed, \(failed) failed, \(skipped) skipped")
            StandardStreams.writeError("total: \(caseDirectories.count) cases in \(format(seconds)) s")
        }
        if failed > 0 || skipped > 0 { throw ExitCode(1) }
    }
}

struct ServiceLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Prove the kube-proxy Service rules with real connections (ClusterIP spread, no endpoints, affinity, NodePort, LoadBalancer, traffic policy, hairpin).")

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

/// Which rules the labs install: today kube-proxy's Service rules through iptables-restore.
enum LabInstallers {
    static let netpol: any RuleInstaller = KubeProxyRestoreInstaller()
    static let netpolWarnings = ["no NetworkPolicy compiler on this branch yet: only Service rules are installed, so 'deny' lines fail"]
}

func format(_ seconds: Double) -> String {
    let hundredths = Int((seconds * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
