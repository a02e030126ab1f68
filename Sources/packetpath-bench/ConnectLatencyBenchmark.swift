import ClusterState
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
/// layout applied over netlink instead, then the direct path again once both are removed.
/// The direct figure pools both direct samples, so a machine that speeds up or slows down
/// during the run moves it less. Prints one line of `key=value` fields.
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

        func sample(_ destination: Endpoint4) throws -> SequentialConnects.Timings {
            _ = try SequentialConnects.run(from: clientHost, to: destination, count: 20)  // warm-up
            return try SequentialConnects.run(from: clientHost, to: destination, count: connects)
        }
        func median(_ timings: SequentialConnects.Timings, _ destination: Endpoint4) throws -> Double {
            guard let median = timings.median else { throw NamespaceError("no connection to \(destination) succeeded") }
            return median
        }
        func measure(_ destination: Endpoint4) throws -> (median: Double, failures: Int) {
            let timings = try sample(destination)
            return (try median(timings, destination), timings.failures)
        }
        let service = Endpoint4(lastClusterIP, port: 80)!
        let directPath = Endpoint4(backend.address, port: backendPort)!
        let directBefore = try sample(directPath)
        var line = "connect-latency services=\(services) connects=\(connects)"

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
        _ = try NetfilterApplier().reset(node)

        let directAfter = try sample(directPath)
        var direct = directBefore
        direct.seconds += directAfter.seconds
        direct.failures += directAfter.failures
        line += " direct_seconds=\(try median(direct, directPath)) direct_failures=\(direct.failures)"
            + " direct_before_seconds=\(try median(directBefore, directPath)) direct_after_seconds=\(try median(directAfter, directPath))"
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
