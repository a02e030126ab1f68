import ClusterState
import NetworkAddresses
import NetworkNamespaces
import PacketTrace
import PathGraph
import RuleModel

extension Review {
    /// One address a Service is reached at, read from its spec.
    public struct EntryPoint: Sendable {
        public var label: String
        public var destination: IPAddress
        public var port: UInt16
        public var proto: L4Protocol
    }

    /// The entry points of a Service in one family: cluster IP, node port (at the node's
    /// primary address), external IPs and load-balancer IPs, per port.
    public static func entryPoints(of service: Service, settings: NodeSettings, family: IPFamily) -> [EntryPoint] {
        var entries: [EntryPoint] = []
        for port in service.ports {
            let proto = L4Protocol(port.protocol)
            let suffix = "/\(port.protocol.rawValue)" + (port.name.isEmpty ? "" : " (\(port.name))")
            func add(_ kind: String, _ address: IPAddress, _ number: Int) {
                entries.append(EntryPoint(label: "\(kind) \(TracePacket.endpoint(address, UInt16(number)))\(suffix)",
                                          destination: address, port: UInt16(number), proto: proto))
            }
            if let clusterIP = service.clusterIP(for: family) { add("ClusterIP", clusterIP, port.port) }
            if port.nodePort != 0, let nodeIP = settings.nodeIP(for: family) { add("NodePort", nodeIP, port.nodePort) }
            for address in service.externalIPs where address.family == family { add("ExternalIP", address, port.port) }
            for ingress in service.loadBalancerIngress {
                if let address = ingress.ip, address.family == family { add("LoadBalancer", address, port.port) }
            }
        }
        return entries
    }

    /// The packet path of one Service (`namespace/name`): packets to each entry point from a
    /// pod-network client, an outside client, the node itself and one client inside each
    /// load-balancer source range, traced through the compiled rules and merged into a graph.
    public static func serviceGraph(_ side: LoadedSide, service key: String, family: IPFamily? = nil) throws -> PathGraph {
        guard let state = side.cluster?.state else { throw SideError("a Service graph needs manifests") }
        guard let service = state.services.first(where: { $0.metadata.key == key }) else {
            throw SideError("no Service \(key) in the manifests")
        }
        let chosen = family ?? service.clusterIPs.first?.family ?? Pipeline.defaultFamilies(for: state)[0]
        let entries = entryPoints(of: service, settings: state.settings, family: chosen)
        guard !entries.isEmpty else { throw SideError("Service \(key) has no \(chosen.rawValue) entry point (headless or ExternalName?)") }
        var clients = [try clientAddress(in: state, family: chosen), chosen == .ipv4 ? IPAddress("198.51.100.200")! : IPAddress("2001:db8:ffff::200")!]
        if let nodeIP = state.settings.nodeIP(for: chosen) { clients.append(nodeIP) }
        for range in service.loadBalancerSourceRanges where range.family == chosen {
            let network = range.network.address
            switch network {
            case .v4(let value): clients.append(range.isHost ? network : .v4(value + 1))
            case .v6(let high, let low): clients.append(range.isHost ? network : .v6(high, low + 1))
            }
        }
        let (tracer, _) = try tracer(side, family: chosen)
        var builder = PathGraphBuilder(title: "Service \(key)")
        for entry in entries {
            for client in clients {
                let packet = TracePacket(source: client, destination: entry.destination, proto: entry.proto, destinationPort: entry.port)
                builder.add(entry: entry.label, tracer.trace(packet))
            }
        }
        return builder.graph
    }
}

/// Renders DOT to SVG with Graphviz's `dot`.
public enum GraphvizRenderer {
    public static func svg(_ dot: String) throws -> String {
        let output: HostCommand.Output
        do {
            output = try HostCommand.run(["dot", "-Tsvg"], input: Array(dot.utf8))
        } catch {
            throw SideError("SVG output needs Graphviz's 'dot' on PATH (install graphviz), or use --format dot or mermaid: \(error)")
        }
        guard output.succeeded else {
            throw SideError("dot -Tsvg failed: \(output.stderr.split(separator: "\n").first.map(String.init) ?? "exit status \(output.status)")")
        }
        return output.stdout
    }
}
