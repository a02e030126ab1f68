import ClusterState
import NetworkAddresses

/// One address and port a Service name leads a client to.
public struct ResolvedTarget: Sendable, Hashable, Encodable {
    public var address: IPAddress
    public var port: Int
    public var `protocol`: KubeProtocol
    /// What the address is: `cluster IP`, or `endpoint (Pod shop/db-0)` for a headless Service.
    public var role: String

    enum CodingKeys: String, CodingKey { case address, port, `protocol`, role }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(address.description, forKey: .address)
        try container.encode(port, forKey: .port)
        try container.encode(`protocol`.rawValue, forKey: .protocol)
        try container.encode(role, forKey: .role)
    }
}

/// What a Service name resolves to, before any packet is traced.
public struct ResolvedDestination: Sendable, Encodable {
    public enum Kind: String, Sendable, Encodable {
        /// An A/AAAA record per cluster IP: kube-proxy's rules take it from there.
        case clusterIP = "ClusterIP"
        /// One record per ready endpoint: the client connects to the Pods directly.
        case headless = "Headless"
        /// A CNAME to `externalName`: no packet-path rules at all.
        case externalName = "ExternalName"
    }

    public var name: ServiceDNSName
    public var kind: Kind
    /// The CNAME target of an ExternalName Service.
    public var alias: String?
    /// The Service port the request named (nil for ExternalName, or a number the Service lacks).
    public var servicePort: ServicePort?
    public var targets: [ResolvedTarget]
    public var notes: [String]

    enum CodingKeys: String, CodingKey { case name, service, kind, alias, port, targets, notes }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name.fqdn, forKey: .name)
        try container.encode(name.key, forKey: .service)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(alias, forKey: .alias)
        try container.encodeIfPresent(servicePort.map { ($0.name.isEmpty ? "" : "\($0.name) ") + "\($0.port)/\($0.protocol.rawValue)" },
                                      forKey: .port)
        try container.encode(targets, forKey: .targets)
        try container.encode(notes, forKey: .notes)
    }
}

/// Turns a Service name and a port (number or name) into the addresses and ports a client
/// would connect to, as cluster DNS and the Service's spec say.
public struct DestinationResolver: Sendable {
    public let state: ClusterState

    public init(state: ClusterState) {
        self.state = state
    }

    /// The Service a name stands for, or an error with the nearest existing names.
    public func service(_ name: ServiceDNSName) throws -> Service {
        if let service = state.services.first(where: { $0.metadata.namespace == name.namespace && $0.metadata.name == name.name }) {
            return service
        }
        throw ServiceNameError.unknown(name, suggestions: suggestions(for: name))
    }

    /// `port` is a number or a Service port name; `proto` narrows a number the Service serves
    /// over several protocols (TCP when not given).
    public func resolve(_ name: ServiceDNSName, port: String, proto: KubeProtocol? = nil) throws -> ResolvedDestination {
        let service = try self.service(name)
        var result = ResolvedDestination(name: name, kind: .clusterIP, servicePort: nil, targets: [], notes: [])
        if service.type == .externalName {
            result.kind = .externalName
            result.alias = service.externalName
            result.notes.append("\(name.fqdn) is a DNS alias (CNAME) for \(service.externalName ?? "?"): the client resolves that "
                                + "name and connects to it directly; no Service rules are on the path")
            return result
        }
        let servicePort = try self.servicePort(of: service, port, proto: proto, notes: &result.notes)
        result.servicePort = servicePort
        // Without a Service port, `port` was a number (a name that matches none is an error).
        let number = servicePort?.port ?? Int(port) ?? 0
        let proto = servicePort?.protocol ?? proto ?? .tcp
        if service.isHeadless {
            result.kind = .headless
            result.targets = headlessTargets(service, requested: port, servicePort: servicePort, proto: proto, notes: &result.notes)
            return result
        }
        guard !service.clusterIPs.isEmpty else {
            throw ResolutionError("Service \(name.key) has no cluster IP in the manifests (spec.clusterIP is empty): "
                                  + "the address the API server allocated is needed to trace it")
        }
        result.targets = service.clusterIPs.map {
            ResolvedTarget(address: $0, port: number, protocol: proto, role: "cluster IP")
        }
        return result
    }

    /// The Service port by name, or by number (nil with a note when the Service has no such
    /// number: the packet is still traced, as it would be sent).
    private func servicePort(of service: Service, _ port: String, proto: KubeProtocol?, notes: inout [String]) throws -> ServicePort? {
        let listing = service.ports.map { ($0.name.isEmpty ? "" : "\($0.name) ") + "\($0.port)/\($0.protocol.rawValue)" }
            .joined(separator: ", ")
        guard let number = Int(port) else {
            if let match = service.ports.first(where: { $0.name == port && (proto == nil || $0.protocol == proto) }) { return match }
            let nearest = EditDistance.nearest(to: port, in: service.ports.map(\.name)).map { "; did you mean \(quoted($0))?" } ?? ""
            throw ResolutionError("Service \(service.metadata.key) has no port named \(quoted(port))"
                                  + (proto.map { " (\($0.rawValue))" } ?? "") + " (ports: \(listing.isEmpty ? "none" : listing))\(nearest)")
        }
        guard (1...65535).contains(number) else { throw ResolutionError("port \(port) is not a valid port (1-65535)") }
        let sameNumber = service.ports.filter { $0.port == number }
        if let match = sameNumber.first(where: { $0.protocol == (proto ?? .tcp) }) ?? (proto == nil ? sameNumber.first : nil) {
            return match
        }
        notes.append("Service \(service.metadata.key) has no port \(number)\(proto.map { "/\($0.rawValue)" } ?? "") "
                     + "(ports: \(listing.isEmpty ? "none" : listing)): "
                     + (service.isHeadless ? "the connection still goes to that port of each endpoint" : "nothing in its rules matches this packet"))
        return nil
    }

    /// The ready endpoints cluster DNS lists for a headless Service. A port name is looked up
    /// in the EndpointSlices (what an SRV record gives); a number is used as written, since
    /// no rule translates it.
    private func headlessTargets(_ service: Service, requested: String, servicePort: ServicePort?, proto: KubeProtocol,
                                 notes: inout [String]) -> [ResolvedTarget] {
        let slices = state.endpointSlices.filter {
            $0.metadata.namespace == service.metadata.namespace && $0.serviceName == service.metadata.name && $0.addressType.family != nil
        }
        var targets: [ResolvedTarget] = []
        var seen = Set<String>()
        for slice in slices {
            let number: Int?
            if Int(requested) != nil {
                number = Int(requested)
            } else {
                number = slice.ports.first { $0.name == servicePort?.name && $0.protocol == proto }?.port
            }
            guard let number else { continue }
            for endpoint in slice.endpoints where endpoint.conditions.isReady {
                guard seen.insert("\(endpoint.address)/\(number)").inserted else { continue }
                let role = "endpoint" + (endpoint.targetPod.map { " (Pod \($0))" } ?? "")
                targets.append(ResolvedTarget(address: endpoint.address, port: number, protocol: proto, role: role))
            }
        }
        notes.append("\(service.metadata.key) is headless (clusterIP: None): its name resolves to each ready endpoint's "
                     + "address and the client connects to the Pod directly, without Service rules")
        if targets.isEmpty {
            notes.append("no ready endpoint\(Int(requested) == nil ? " with port \(quoted(requested))" : ""): the name resolves to no address")
        }
        return targets
    }

    /// Existing names close to the one asked for: the same name in other namespaces, then
    /// likely typos of `name.namespace`.
    func suggestions(for name: ServiceDNSName) -> [String] {
        let all = state.services.map { "\($0.metadata.name).\($0.metadata.namespace)" }
        var found = state.services.filter { $0.metadata.name == name.name }.map { "\($0.metadata.name).\($0.metadata.namespace)" }
        if let near = EditDistance.nearest(to: "\(name.name).\(name.namespace)", in: all), !found.contains(near) { found.append(near) }
        let sameNamespace = state.services.filter { $0.metadata.namespace == name.namespace }.map(\.metadata.name)
        if let near = EditDistance.nearest(to: name.name, in: sameNamespace), !found.contains("\(near).\(name.namespace)") {
            found.append("\(near).\(name.namespace)")
        }
        return Array(found.prefix(3))
    }
}

public struct ResolutionError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
