import ClusterState
import NetworkAddresses

/// What a case needs from the lab: hosts, the ports each serves, and for every probe line the
/// client host and the address and port to connect to (or why the line cannot run).
struct NetpolPlan {
    struct Probe {
        let line: ProbeLine
        let client: String
        let destination: Endpoint4
    }

    private(set) var hosts: [LabHostSpec] = []
    private(set) var served: [String: Set<ServedPort>] = [:]
    private(set) var probes: [Probe] = []
    private(set) var skipped: [(line: ProbeLine, reason: String)] = []
    private var hostByAddress: [IPAddress: String] = [:]
    private var podHost: [String: String] = [:]

    init(_ netpolCase: NetpolCase) {
        let cluster = netpolCase.cluster
        for pod in cluster.pods {
            guard let address = pod.podIPs.first(where: { $0.family == .ipv4 }) else { continue }
            let name = pod.metadata.key
            podHost[name] = addHost(name, address)
        }
        for external in netpolCase.expected.headers.externals { _ = addHost("ip:\(external.address)", external.address) }
        for line in netpolCase.expected.lines {
            if case .external(let address) = line.from { _ = addHost("ip:\(address)", address) }
            if case .external(let address) = line.to { _ = addHost("ip:\(address)", address) }
        }
        for line in netpolCase.expected.lines { plan(line, cluster) }
    }

    /// The host at `address`; an `ip:` naming a pod's address is that pod.
    private mutating func addHost(_ name: String, _ address: IPAddress) -> String {
        if let existing = hostByAddress[address] { return existing }
        hosts.append(LabHostSpec(name: name, address: address))
        hostByAddress[address] = name
        return name
    }

    private mutating func plan(_ line: ProbeLine, _ cluster: ClusterState) {
        let client: String
        switch line.from {
        case .pod(let namespace, let name):
            guard let host = podHost["\(namespace)/\(name)"] else {
                return skip(line, "client pod \(namespace)/\(name) has no IPv4 pod IP in cluster.yaml")
            }
            client = host
        case .external(let address):
            client = hostByAddress[address]!
        }
        switch line.to {
        case .pod(let namespace, let name):
            guard let host = podHost["\(namespace)/\(name)"], let spec = hosts.first(where: { $0.name == host }) else {
                return skip(line, "server pod \(namespace)/\(name) has no IPv4 pod IP in cluster.yaml")
            }
            direct(line, client: client, server: host, address: spec.address)
        case .external(let address):
            direct(line, client: client, server: hostByAddress[address]!, address: address)
        case .service(let namespace, let name):
            viaService(line, client: client, namespace: namespace, name: name, cluster)
        }
    }

    private mutating func direct(_ line: ProbeLine, client: String, server: String, address: IPAddress) {
        served[server, default: []].insert(ServedPort(line.port.port, line.port.protocol))
        probes.append(Probe(line: line, client: client, destination: Endpoint4(address, port: line.port.port)!))
    }

    /// Connects to the ClusterIP; the servers are the endpoints, on the EndpointSlice port
    /// matched to the Service port by name (the README: "take endpoint ports from here").
    private mutating func viaService(_ line: ProbeLine, client: String, namespace: String, name: String,
                                     _ cluster: ClusterState) {
        guard let service = cluster.services.first(where: { $0.metadata.namespace == namespace && $0.metadata.name == name }) else {
            return skip(line, "Service \(namespace)/\(name) is not in cluster.yaml")
        }
        guard let clusterIP = service.clusterIP(for: .ipv4) else {
            return skip(line, "Service \(namespace)/\(name) has no IPv4 ClusterIP")
        }
        guard let servicePort = service.ports.first(where: { $0.port == line.port.port && $0.protocol == line.port.protocol }) else {
            return skip(line, "Service \(namespace)/\(name) has no port \(line.port)")
        }
        for slice in cluster.endpointSlices where slice.metadata.namespace == namespace && slice.serviceName == name {
            guard let port = slice.ports.first(where: { $0.name == servicePort.name && $0.protocol == servicePort.protocol })?.port else { continue }
            for endpoint in slice.endpoints where endpoint.address.family == .ipv4 {
                let host = addHost("ip:\(endpoint.address)", endpoint.address)
                served[host, default: []].insert(ServedPort(port, line.port.protocol))
            }
        }
        probes.append(Probe(line: line, client: client, destination: Endpoint4(clusterIP, port: line.port.port)!))
    }

    private mutating func skip(_ line: ProbeLine, _ reason: String) {
        skipped.append((line, reason))
    }
}
