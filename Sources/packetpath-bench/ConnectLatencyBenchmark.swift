import ClusterState
import Foundation
import NetfilterApply
import NetnsLab
import NetworkAddresses
import NetworkNamespaces
import PacketPath

/// `packetpath-bench connect-latency N [CONNECTS]` (root): a client, a node and a backend
/// namespace (the labs' topology); the node holds N ClusterIP Services × 10 endpoints, the
/// last of which has the backend as its only endpoint. Median time of CONNECTS (default 500)
/// sequential TCP connects (fresh socket each, so NAT rules run for each) from the client:
/// to the backend's address with no rules loaded (the direct path), then to the last
/// Service's ClusterIP with the nftables layout applied natively, then with the iptables
/// layout applied over netlink instead. Prints one line of `key=value` fields.
enum ConnectLatencyBenchmark {
    static let client = LabHostSpec(name: "client", address: IPAddress("198.51.100.10")!)
    static let backend = LabHostSpec(name: "backend", address: IPAddress("203.0.113.10")!)
    static let backendPort = 8080

    static func run(services: Int, connects: Int) throws -> String {
        guard services > 0 else { throw NamespaceError("connect-latency needs at least one Service") }
        let state = stateServedByBackend(services: services)
        let lastClusterIP = IPAddress(SyntheticCluster.clusterIP(services - 1))!
        let topology = try LabTopology(hosts: [client, backend])
        defer { topology.teardown() }
        guard let clientHost = topology.host(named: client.name), let backendHost = topology.host(named: backend.name) else {
            throw NamespaceError("the lab lost its hosts")
        }
        let servers = try LabServers([(backendHost, [ServedPort(backendPort, .tcp)])])
        defer { servers.stop() }
        let node = topology.node.namespace

        func measure(_ destination: Endpoint4) throws -> (median: Double, failures: Int) {
            _ = try SequentialConnects.run(from: clientHost, to: destination, count: 20)  // warm-up
            let timings = try SequentialConnects.run(from: clientHost, to: destination, count: connects)
            guard let median = timings.median else { throw NamespaceError("no connection to \(destination) succeeded") }
            return (median, timings.failures)
        }
        let service = Endpoint4(lastClusterIP, port: 80)!
        let direct = try measure(Endpoint4(backend.address, port: backendPort)!)
        var line = "connect-latency services=\(services) connects=\(connects)"
            + " direct_seconds=\(direct.median) direct_failures=\(direct.failures)"

        let nftReport = try NFTablesApplier().apply(Pipeline.compileNFTables(state, families: [.ipv4]), into: node)
        guard nftReport.outcome == .applied else { throw NamespaceError("the nftables apply did not apply: \(nftReport.outcome)") }
        let nft = try measure(service)
        line += " nft_seconds=\(nft.median) nft_failures=\(nft.failures)"
        _ = try NFTablesApplier().reset(node)

        let iptablesReport = try NetfilterApplier().apply(Pipeline.compileServices(state, families: [.ipv4]), into: node)
        guard iptablesReport.outcome == .applied else {
            throw NamespaceError("the iptables apply did not apply: \(iptablesReport.outcome)")
        }
        let iptables = try measure(service)
        line += " iptables_seconds=\(iptables.median) iptables_failures=\(iptables.failures)"
        return line
    }

    /// The bench's cluster with the last Service's endpoints replaced by the backend alone.
    static func stateServedByBackend(services: Int) -> ClusterState {
        var state = SyntheticCluster.state(services: services)
        let last = services - 1
        state.endpointSlices[last].endpoints = [
            Endpoint(addressText: backend.address.description, address: backend.address,
                     conditions: EndpointConditions(ready: true), nodeName: "node0"),
        ]
        return state
    }
}

/// `packetpath-bench staged-load-connects N` (root): the standard Service lab programmed with
/// the iptables layout, then N more Services loaded as the nftables layout (a new table,
/// staged) while a thread keeps connecting to a Service the lab already had; then the
/// iptables layout is removed. Counts the connections made during the load and how many
/// failed (issue 13: never one).
enum StagedLoadConnectsBenchmark {
    final class Tally: @unchecked Sendable {
        private let lock = ThreadLock()
        private var stopped = false
        private(set) var attempts = 0
        private(set) var failures = 0
        var isStopped: Bool { lock.withLock { stopped } }
        func stop() { lock.withLock { stopped = true } }
        func add(attempts: Int, failures: Int) {
            lock.withLock {
                self.attempts += attempts
                self.failures += failures
            }
        }
        var counts: (attempts: Int, failures: Int) { lock.withLock { (attempts, failures) } }
    }

    static func run(services: Int) throws -> String {
        let lab = try ServiceLab(scenario: try ServiceLabScenario.standard(), installer: NetlinkInstaller())
        defer { lab.close() }
        let target = Endpoint4(StandardServiceLab.spread, port: StandardServiceLab.servicePort(.tcp))!
        let tally = Tally()
        let finished = DispatchSemaphore(value: 0)
        Thread {
            while !tally.isStopped {
                let results = (try? lab.connect(from: StandardServiceLab.client, to: target, protocol: .tcp, count: 4)) ?? []
                tally.add(attempts: max(results.count, 1),
                          failures: results.isEmpty ? 1 : results.filter { $0.outcome != .connected }.count)
            }
            finished.signal()
        }.start()
        let rulesets = Pipeline.compileNFTables(StandardServiceLab.withBulkServices(lab.scenario.cluster, count: services),
                                                families: [.ipv4])
        let before = tally.counts
        let start = Measure.now()
        let report = try NFTablesApplier().apply(rulesets, into: lab.topology.node.namespace)
        let seconds = Measure.now() - start
        let during = tally.counts
        _ = try NFTablesApplier().removeOtherLayout(in: lab.topology.node.namespace)
        tally.stop()
        finished.wait()
        let total = tally.counts
        return "staged-load-connects services=\(services) transactions=\(report.transactions) seconds=\(seconds)"
            + " during_attempts=\(during.attempts - before.attempts) during_failures=\(during.failures - before.failures)"
            + " total_attempts=\(total.attempts) total_failures=\(total.failures)"
    }
}
