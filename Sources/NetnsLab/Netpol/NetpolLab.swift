import ClusterState
import NetworkNamespaces

/// Runs a NetworkPolicy case with real packets: builds the topology from scratch, installs
/// the rules through the injected installer, starts every server the probes need, empties
/// conntrack, runs all probe lines in parallel and removes everything again.
///
/// Verdicts come only from the packets: a line is `allow` when its connection got through.
public struct NetpolLab: Sendable {
    public var installer: any RuleInstaller
    public var probeOptions: ProbeOptions

    public init(installer: any RuleInstaller, probeOptions: ProbeOptions = ProbeOptions()) {
        self.installer = installer
        self.probeOptions = probeOptions
    }

    public func run(_ netpolCase: NetpolCase) throws -> NetpolReport {
        let plan = NetpolPlan(netpolCase)
        var timings = NetpolReport.Timings()
        var clock = monotonicSeconds()
        func lap() -> Double {
            let now = monotonicSeconds()
            defer { clock = now }
            return now - clock
        }

        let topology = try LabTopology(hosts: plan.hosts)
        var servers: LabServers?
        defer {
            servers?.stop()
            topology.teardown()
        }
        try installer.install(netpolCase.cluster, into: topology.node.namespace)
        servers = try LabServers(topology.hosts.map { ($0, plan.served[$0.name] ?? []) })
        try Conntrack.flush(in: topology.node.namespace)
        timings.setup = lap()

        let requests = plan.probes.map { probe in
            ProbeRequest(from: topology.host(named: probe.client)!, to: probe.destination,
                         protocol: probe.line.port.protocol)
        }
        let results = try ProbeRunner(options: probeOptions).run(requests)
        timings.probing = lap()
        servers?.stop()
        topology.teardown()
        timings.teardown = lap()

        var byKey: [String: NetpolReport.Entry] = [:]
        for (probe, result) in zip(plan.probes, results) {
            byKey[probe.line.key] = NetpolReport.Entry(line: probe.line, observed: result.outcome.isConnected ? .allow : .deny,
                                                       outcome: result.outcome, seconds: result.seconds)
        }
        for (line, reason) in plan.skipped {
            byKey[line.key] = NetpolReport.Entry(line: line, observed: nil, outcome: nil, skipReason: reason, seconds: 0)
        }
        return NetpolReport(caseName: netpolCase.name, entries: netpolCase.expected.lines.map { byKey[$0.key]! },
                            timings: timings, hostCount: plan.hosts.count)
    }

    /// Runs several cases, up to `jobs` at once (each lab has its own namespaces), and returns
    /// their outcomes in the order given.
    public func run(_ cases: [NetpolCase], jobs: Int) -> [Result<NetpolReport, any Error>] {
        let results = ResultSlots(count: cases.count)
        let next = LabCounter()
        let workers = (0..<max(1, min(jobs, cases.count))).compactMap { _ in
            try? LoopThread {
                while let index = next.take(below: cases.count) {
                    results[index] = Result { try self.run(cases[index]) }
                }
            }
        }
        if workers.isEmpty {
            for index in cases.indices { results[index] = Result { try run(cases[index]) } }
        }
        workers.forEach { $0.join() }
        return results.values
    }
}

/// Hands out 0, 1, 2, ... to worker threads.
final class LabCounter: @unchecked Sendable {
    private var next = 0
    private let lock = ThreadLock()

    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}

private final class ResultSlots: @unchecked Sendable {
    private var slots: [Result<NetpolReport, any Error>?]
    private let lock = ThreadLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    subscript(index: Int) -> Result<NetpolReport, any Error>? {
        get { lock.withLock { slots[index] } }
        set { lock.withLock { slots[index] = newValue } }
    }

    var values: [Result<NetpolReport, any Error>] { lock.withLock { slots.map { $0! } } }
}
