import ClusterState
import NetfilterApply
import NetnsLab
import NetworkAddresses
import NetworkNamespaces
import PacketPath

/// `packetpath-bench connect-latency N [CONNECTS]` (root): a client, a node and a backend
/// namespace (the labs' topology); the node holds N ClusterIP Services × 10 endpoints, the
/// last of which has the backend as its only endpoint. Sequential TCP connects from the client
/// (fresh socket each, so NAT rules run for each), timed to the handshake's end.
///
/// The direct path moves by a factor of two within one run (18–34 µs), more than a layout
/// adds, so a ratio of samples taken minutes apart is mostly that drift. With each layout
/// loaded, rounds alternate connects to the last Service's ClusterIP with connects to the
/// backend's own address (the direct path), in a rotating order, so all see the same moment
/// of the machine; each round gives a ratio of medians. For the nftables layout (applied
/// natively) the direct path is taken both through its rules (the backend's address matches
/// no Service) and with its table dormant (hooks unregistered, conntrack still on: the node
/// without the layout's chains); the ratio is against the dormant one. For the iptables
/// layout (over netlink) only through its rules, which every new flow walks. The direct path
/// with no rules at all is measured before and after. CONNECTS (default 500) per path and
/// layout. Prints one line of `key=value` fields.
enum ConnectLatencyBenchmark {
    static let client = LabHostSpec(name: "client", address: IPAddress("198.51.100.10")!)
    static let backend = LabHostSpec(name: "backend", address: IPAddress("203.0.113.10")!)
    static let backendPort = 8080
    static let rounds = 20

    /// One kind of connect in a round: where to, and what to change around it.
    struct Leg {
        var destination: Endpoint4
        var before: () throws -> Void = {}
        var after: () throws -> Void = {}
    }

    /// Per leg, every connect's seconds pooled and each round's median; failures of all.
    struct Rounds {
        var seconds: [[Double]]
        var medians: [[Double]]
        var failures = 0

        /// Leg `index`'s pooled median.
        func median(_ index: Int) -> Double? { ConnectLatencyBenchmark.quantile(seconds[index].sorted(), 0.5) }

        /// Per round, leg `numerator`'s median over leg `denominator`'s, sorted.
        func ratios(_ numerator: Int, _ denominator: Int) -> [Double] {
            zip(medians[numerator], medians[denominator]).map { $0 / $1 }.sorted()
        }
    }

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
        let service = Endpoint4(lastClusterIP, port: 80)!
        let directPath = Endpoint4(backend.address, port: backendPort)!
        let perRound = max(1, connects / rounds)

        func sample(_ destination: Endpoint4, count: Int) throws -> SequentialConnects.Timings {
            try SequentialConnects.run(from: clientHost, to: destination, count: count)
        }
        func median(_ timings: SequentialConnects.Timings, _ destination: Endpoint4) throws -> Double {
            guard let median = timings.median else { throw NamespaceError("no connection to \(destination) succeeded") }
            return median
        }
        func alternate(_ legs: [Leg]) throws -> Rounds {
            for leg in legs {
                try leg.before()
                _ = try sample(leg.destination, count: 20)  // warm-up
                try leg.after()
            }
            var result = Rounds(seconds: Array(repeating: [], count: legs.count), medians: Array(repeating: [], count: legs.count))
            for round in 0..<rounds {
                // The order rotates, so no leg always runs right after another.
                for step in 0..<legs.count {
                    let index = (round + step) % legs.count
                    try legs[index].before()
                    let timings = try sample(legs[index].destination, count: perRound)
                    try legs[index].after()
                    guard let median = timings.median else { throw NamespaceError("no connect of a round succeeded") }
                    result.seconds[index] += timings.seconds
                    result.medians[index].append(median)
                    result.failures += timings.failures
                }
            }
            return result
        }
        func ratioFields(_ name: String, _ ratios: [Double]) -> String {
            " \(name)=\(quantile(ratios, 0.5)!) \(name)_q1=\(quantile(ratios, 0.25)!) \(name)_q3=\(quantile(ratios, 0.75)!)"
                + " \(name)_min=\(ratios[0]) \(name)_max=\(ratios[ratios.count - 1])"
        }

        _ = try sample(directPath, count: 20)  // warm-up
        let directBefore = try sample(directPath, count: connects)
        var line = "connect-latency services=\(services) connects=\(connects) rounds=\(rounds)"

        let nftRulesets = Pipeline.compileNFTables(state, families: [.ipv4])
        let nftReport = try NFTablesApplier().apply(nftRulesets, into: node)
        guard nftReport.outcome == .applied else { throw NamespaceError("the nftables apply did not apply: \(nftReport.outcome)") }
        let tables = nftRulesets.flatMap { $0.tables.map(\.name) }
        func dormant(_ on: Bool) throws {
            for table in tables {
                let result = try topology.node.exec(["nft", "add table ip \(table)" + (on ? " { flags dormant; }" : "")])
                guard result.succeeded else { throw NamespaceError("nft could not make \(table) \(on ? "dormant" : "active"): \(result.stderr)") }
            }
        }
        let nft = try alternate([Leg(destination: service), Leg(destination: directPath),
                                 Leg(destination: directPath, before: { try dormant(true) }, after: { try dormant(false) })])
        line += " nft_seconds=\(nft.median(0)!) nft_direct_seconds=\(nft.median(1)!) nft_dormant_seconds=\(nft.median(2)!)"
        line += ratioFields("nft_ratio", nft.ratios(0, 2)) + ratioFields("nft_rules_ratio", nft.ratios(0, 1))
        line += " nft_failures=\(nft.failures)"
        _ = try NFTablesApplier().reset(node)

        let iptablesReport = try NetfilterApplier().apply(Pipeline.compileServices(state, families: [.ipv4]), into: node)
        guard iptablesReport.outcome == .applied else {
            throw NamespaceError("the iptables apply did not apply: \(iptablesReport.outcome)")
        }
        let iptables = try alternate([Leg(destination: service), Leg(destination: directPath)])
        line += " iptables_seconds=\(iptables.median(0)!) iptables_direct_seconds=\(iptables.median(1)!)"
            + " iptables_failures=\(iptables.failures)"
        _ = try NetfilterApplier().reset(node)

        let directAfter = try sample(directPath, count: connects)
        var direct = directBefore
        direct.seconds += directAfter.seconds
        direct.failures += directAfter.failures
        line += " direct_seconds=\(try median(direct, directPath)) direct_failures=\(direct.failures)"
            + " direct_before_seconds=\(try median(directBefore, directPath)) direct_after_seconds=\(try median(directAfter, directPath))"
        return line
    }

    /// The value at fraction `q` of sorted `values` (nearest rank); nil for none.
    static func quantile(_ values: [Double], _ q: Double) -> Double? {
        values.isEmpty ? nil : values[min(values.count - 1, Int((Double(values.count - 1) * q).rounded()))]
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
