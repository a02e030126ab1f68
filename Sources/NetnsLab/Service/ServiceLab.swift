import ClusterState
import NetworkAddresses
import NetworkNamespaces

/// A node namespace holding a cluster's compiled Service rules, one namespace per pod and
/// per external client, and servers on every endpoint port that answer with their pod name
/// and the source address they saw. Built once; `connect` can be called many times.
public final class ServiceLab: @unchecked Sendable {
    public let scenario: ServiceLabScenario
    public let topology: LabTopology
    private let servers: LabServers
    private let runner: ProbeRunner

    public init(scenario: ServiceLabScenario, installer: any RuleInstaller = NetlinkInstaller(),
                options: ProbeOptions = ProbeOptions()) throws {
        self.scenario = scenario
        var hosts: [LabHostSpec] = []
        var podNames: [String: String] = [:]
        for pod in scenario.cluster.pods {
            guard let address = pod.podIPs.first(where: { $0.family == .ipv4 }) else { continue }
            hosts.append(LabHostSpec(name: pod.metadata.key, address: address))
            podNames[pod.metadata.key] = pod.metadata.name
        }
        hosts += scenario.externalClients
        topology = try LabTopology(hosts: hosts, nodeAddress: scenario.nodeAddress)
        do {
            try installer.install(scenario.cluster, into: topology.node.namespace)
            let served = Self.endpointPorts(scenario.cluster)
            servers = try LabServers(topology.hosts.map { ($0, served[$0.address] ?? []) },
                                     identity: { podNames[$0.name] ?? $0.name })
            try Conntrack.flush(in: topology.node.namespace)
        } catch {
            topology.teardown()
            throw error
        }
        runner = ProbeRunner(options: options)
    }

    /// `count` brand-new connections from the host named `from` to `destination`, in parallel.
    /// TCP attempts also read the server's line, so every connected result names its endpoint.
    public func connect(from: String, to destination: Endpoint4, protocol proto: KubeProtocol,
                        count: Int = 1) throws -> [ProbeResult] {
        guard let client = topology.host(named: from) else { throw LabError("no lab host named \(from)") }
        let request = ProbeRequest(from: client, to: destination, protocol: proto, readsReply: true)
        return try runner.run(Array(repeating: request, count: count))
    }

    /// Removes servers and namespaces (idempotent).
    public func close() {
        servers.stop()
        topology.teardown()
    }

    deinit { close() }

    /// Every endpoint address with the ports its EndpointSlices give it.
    private static func endpointPorts(_ cluster: ClusterState) -> [IPAddress: Set<ServedPort>] {
        var served: [IPAddress: Set<ServedPort>] = [:]
        for slice in cluster.endpointSlices {
            let ports = slice.ports.compactMap { port in port.port.map { ServedPort($0, port.protocol) } }
            for endpoint in slice.endpoints { served[endpoint.address, default: []].formUnion(ports) }
        }
        return served
    }
}
