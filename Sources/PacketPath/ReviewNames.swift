import ClusterState
import NetworkAddresses
import PacketTrace
import RuleModel
import PathGraph
import ServiceNames

/// The trace of one address a name resolved to.
public struct TargetTrace: Sendable, Encodable {
    public var target: ResolvedTarget
    public var result: TraceResult
}

/// A trace to a Service by name: what the name resolved to, and a trace per address.
public struct NameTraceResult: Sendable, Encodable {
    public var destination: ResolvedDestination
    public var traces: [TargetTrace]
    /// Addresses not traced (a family the client lacks).
    public var notes: [String]

    public func text(maximumPaths: Int = 10) -> String {
        var lines = ["name: \(destination.name.fqdn) (Service \(destination.name.key), \(destination.kind.rawValue))"
                     + (destination.servicePort.map { ", port " + ($0.name.isEmpty ? "" : "\($0.name) ") + "\($0.port)/\($0.protocol.rawValue)" } ?? "")]
        if let alias = destination.alias { lines.append("  alias (CNAME) -> \(alias)") }
        for target in destination.targets {
            lines.append("  -> \(TracePacket.endpoint(target.address, UInt16(target.port)))/\(target.protocol.rawValue) (\(target.role))")
        }
        for note in destination.notes + notes { lines.append("note: \(note)") }
        var text = lines.joined(separator: "\n") + "\n"
        for trace in traces {
            text += "\n== \(TracePacket.endpoint(trace.target.address, UInt16(trace.target.port))) (\(trace.target.role)) ==\n"
            text += trace.result.text(maximumPaths: maximumPaths)
        }
        return text
    }
}

extension Review {
    /// Traces a packet to a Service named as cluster DNS would resolve it (relative to the
    /// client Pod's namespace, or `namespace` for an address client) on a port number or name: each address the name resolves to is
    /// traced exactly as `trace` traces that address.
    public static func trace(_ side: LoadedSide, name: String, port: String, source: TraceRequest.Source,
                             proto: L4Protocol? = nil, sourcePort: UInt16 = 40000, namespace: String? = nil,
                             clusterDomain: String = ServiceDNSName.defaultClusterDomain,
                             nodeAddresses: [IPPrefix]? = nil, interfaces: (input: String?, output: String?) = (nil, nil),
                             limits: TraceLimits = TraceLimits()) throws -> NameTraceResult {
        guard let state = side.cluster?.state else {
            throw SideError("a Service name needs the manifests with the Service (rules alone hold no names): give --dst an IP address")
        }
        // A client Pod's namespace is where its resolver looks first; `namespace` stands in
        // for it when the client is an address.
        var clientNamespace = namespace
        if case .pod(let key) = source { clientNamespace = key.split(separator: "/").first.map(String.init) }
        let dnsName = try ServiceDNSName(parsing: name, clientNamespace: clientNamespace, clusterDomain: clusterDomain)
        let destination = try DestinationResolver(state: state).resolve(dnsName, port: port, proto: proto.map(KubeProtocol.init))
        return try trace(side, destination, source: source, sourcePort: sourcePort, nodeAddresses: nodeAddresses,
                         interfaces: interfaces, limits: limits)
    }

    /// Traces each resolved address the client has a family for.
    static func trace(_ side: LoadedSide, _ destination: ResolvedDestination, source: TraceRequest.Source,
                      sourcePort: UInt16, nodeAddresses: [IPPrefix]?, interfaces: (input: String?, output: String?) = (nil, nil),
                      limits: TraceLimits = TraceLimits()) throws -> NameTraceResult {
        let families = try sourceFamilies(side, source)
        var result = NameTraceResult(destination: destination, traces: [], notes: [])
        for target in destination.targets {
            guard families.contains(target.address.family) else {
                result.notes.append("\(target.address) not traced: the client has no \(target.address.family.rawValue) address")
                continue
            }
            var request = TraceRequest(source: source, destination: target.address, proto: L4Protocol(target.protocol),
                                       destinationPort: UInt16(target.port), sourcePort: sourcePort)
            request.inInterface = interfaces.input
            request.outInterface = interfaces.output
            result.traces.append(TargetTrace(target: target, result: try trace(side, request, nodeAddresses: nodeAddresses,
                                                                               limits: limits)))
        }
        return result
    }

    private static func sourceFamilies(_ side: LoadedSide, _ source: TraceRequest.Source) throws -> Set<IPFamily> {
        switch source {
        case .address(let address):
            return [address.family]
        case .pod(let key):
            guard let pod = side.cluster?.state.pods.first(where: { $0.metadata.key == key }) else {
                throw SideError("no Pod \(key) in the manifests")
            }
            return Set(pod.podIPs.map(\.family))
        }
    }

    /// `namespace/name` of the Service a graph is asked for: given so, or as a DNS name
    /// (`web.shop`, `web.shop.svc.cluster.local`, or `web` with `namespace`).
    public static func serviceKey(_ side: LoadedSide, _ text: String, namespace: String? = nil,
                                  clusterDomain: String = ServiceDNSName.defaultClusterDomain) throws -> String {
        if text.contains("/") { return text }
        guard let state = side.cluster?.state else { throw SideError("a Service graph needs manifests") }
        let dnsName = try ServiceDNSName(parsing: text, clientNamespace: namespace, clusterDomain: clusterDomain)
        let service = try DestinationResolver(state: state).service(dnsName)
        if service.type == .externalName {
            throw SideError("\(dnsName.fqdn) is a DNS alias (CNAME) for \(service.externalName ?? "?"): no packet path to draw")
        }
        return service.metadata.key
    }
}

extension KubeProtocol {
    init(_ proto: L4Protocol) {
        switch proto {
        case .tcp: self = .tcp
        case .udp: self = .udp
        case .sctp: self = .sctp
        }
    }
}

extension Review {
    /// The graph of a Service given as `namespace/name` or a DNS name. A headless Service has no
    /// Service rules: its graph starts at each ready endpoint, as its name resolves, and shows
    /// the filter chains a pod-network client's packet meets there.
    public static func serviceGraph(_ side: LoadedSide, named text: String, namespace: String? = nil,
                                    clusterDomain: String = ServiceDNSName.defaultClusterDomain,
                                    family: IPFamily? = nil) throws -> PathGraph {
        let key = try serviceKey(side, text, namespace: namespace, clusterDomain: clusterDomain)
        guard let state = side.cluster?.state, let service = state.services.first(where: { $0.metadata.key == key }),
              service.isHeadless else {
            return try serviceGraph(side, service: key, family: family)
        }
        let resolver = DestinationResolver(state: state)
        let dnsName = ServiceDNSName(name: service.metadata.name, namespace: service.metadata.namespace, clusterDomain: clusterDomain)
        var builder = PathGraphBuilder(title: "Service \(key) (headless)")
        var tracers: [IPFamily: PacketTracer] = [:]
        for port in service.ports {
            for target in try resolver.resolve(dnsName, port: port.name.isEmpty ? String(port.port) : port.name).targets
            where family == nil || target.address.family == family {
                let tracer = try tracers[target.address.family] ?? self.tracer(side, family: target.address.family).0
                tracers[target.address.family] = tracer
                let packet = TracePacket(source: try clientAddress(in: state, family: target.address.family), destination: target.address,
                                         proto: L4Protocol(target.protocol), destinationPort: UInt16(target.port))
                let label = "Endpoint \(TracePacket.endpoint(target.address, UInt16(target.port)))/\(target.protocol.rawValue)"
                    + (port.name.isEmpty ? "" : " (\(port.name))")
                builder.add(entry: label, tracer.trace(packet))
            }
        }
        guard !builder.graph.nodes.isEmpty else { throw SideError("headless Service \(key) has no ready endpoint to draw") }
        return builder.graph
    }
}
