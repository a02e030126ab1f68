import ClusterState
import NetworkAddresses
import PacketTrace
import PathGraph
import RuleModel
import ServiceNames

/// A request followed through the Ingress rules to a backend Service port, then from the
/// Ingress controller's Pod through the packet path to the endpoints.
public struct IngressTraceResult: Sendable, Encodable {
    public var request: String
    /// `namespace/name` of the Ingress that routes it, and the field that decided.
    public var ingress: String?
    public var field: String?
    public var ingressClass: String?
    public var backend: String?
    /// The controller: its Service (entry point), external addresses, Pods, how it was found.
    public var controllerService: String?
    public var externalAddresses: [String] = []
    public var controllerPods: [String] = []
    public var controllerFoundBy: String?
    /// Why the request cannot reach a backend (what the client would see), nil when it can.
    public var problem: String?
    public var notes: [String] = []
    /// An outside client's packet to the controller's first external address (port 80, or
    /// 443 for `https://`): whether requests reach the controller at all.
    public var entryTrace: TraceResult?
    public var backendTrace: NameTraceResult?

    public func text(maximumPaths: Int = 10) -> String {
        var lines = ["request: \(request)"]
        if let ingress, let field { lines.append("ingress: \(ingress) \(field)" + (ingressClass.map { " (class \($0))" } ?? "")) }
        if let backend { lines.append("backend: \(backend)") }
        if let controllerService {
            lines.append("entry: controller Service \(controllerService)"
                         + (externalAddresses.isEmpty ? " (no external address)" : " at " + externalAddresses.joined(separator: ", ")))
        }
        if !controllerPods.isEmpty { lines.append("controller Pods: \(controllerPods.joined(separator: ", "))") }
        if let controllerFoundBy { lines.append("  (found: \(controllerFoundBy))") }
        if let entryTrace {
            lines.append("entry path: \(entryTrace.packet)")
            for outcome in entryTrace.outcomes {
                lines.append("  \(outcome.probability) (\(outcome.probability.percentText))  \(outcome.summary)")
            }
        }
        if let problem { lines.append("problem: \(problem)") }
        for note in notes { lines.append("note: \(note)") }
        var text = lines.joined(separator: "\n") + "\n"
        if let backendTrace { text += "\n" + backendTrace.text(maximumPaths: maximumPaths) }
        return text
    }
}

extension Review {
    /// Routes `HOST/PATH` through the Ingresses (of `ingressClass` when given), finds the
    /// controller (`controller` = `namespace/name` of its Service, else the IngressClass
    /// heuristic of `IngressControllers`) and traces from a controller Pod to the backend.
    public static func traceIngress(_ side: LoadedSide, _ requestText: String, controller controllerKey: String? = nil,
                                    ingressClass className: String? = nil,
                                    clusterDomain: String = ServiceDNSName.defaultClusterDomain) throws -> IngressTraceResult {
        guard let state = side.cluster?.state else { throw SideError("--ingress needs the manifests with the Ingresses") }
        let request = try IngressRequest(parsing: requestText)
        var result = IngressTraceResult(request: request.description)
        let controllers = IngressControllers(state: state)
        var ingresses = state.ingresses
        if let className {
            guard let chosen = state.ingressClasses.first(where: { $0.metadata.name == className }) else {
                throw SideError("no IngressClass \(className) in the manifests")
            }
            ingresses = controllers.ingresses(of: chosen)
        }
        guard !ingresses.isEmpty else { throw SideError("no Ingress in the manifests" + (className.map { " of class \($0)" } ?? "")) }
        guard let route = IngressRouter.route(request, through: ingresses) else {
            let hosts = Set(ingresses.flatMap { $0.rules.map(\.host) }.filter { !$0.isEmpty }).sorted()
            let near = EditDistance.nearest(to: request.host, in: hosts).map { " (did you mean \($0)?)" } ?? ""
            result.problem = "no Ingress rule matches \(request) and no Ingress has a default backend: the controller answers 404 "
                + "itself\(near); hosts: \(hosts.isEmpty ? "none" : hosts.joined(separator: ", "))"
            return result
        }
        result.ingress = route.ingress.metadata.key
        result.field = route.field
        result.backend = route.backend.text
        result.notes += route.notes
        if let path = route.path {
            result.notes.insert("matched host \(route.host.isEmpty ? "(any)" : route.host), path \(path.path.isEmpty ? "(empty)" : path.path) "
                                + "(\(path.pathType.rawValue))", at: 0)
        }

        let controller = try findController(state, route.ingress, named: controllerKey, into: &result)
        if let service = controller?.service {
            result.entryTrace = try entryTrace(side, state, service, port: request.isHTTPS ? 443 : 80)
        }

        guard case .service(let serviceName, let port) = route.backend else {
            result.problem = "the backend is a \(route.backend.text), which PacketPath does not follow"
            return result
        }
        let portText: String
        switch port {
        case .number(let number): portText = String(number)
        case .name(let name): portText = name
        }
        let dnsName = ServiceDNSName(name: serviceName, namespace: route.ingress.metadata.namespace, clusterDomain: clusterDomain)
        let destination: ResolvedDestination
        do {
            destination = try DestinationResolver(state: state).resolve(dnsName, port: portText)
        } catch {
            result.problem = "the controller cannot reach a backend (clients get 503): \(error)"
            return result
        }
        if destination.kind == .externalName {
            result.notes += destination.notes
            return result
        }
        guard destination.servicePort != nil else {
            result.problem = "the controller cannot reach a backend (clients get 503): " + destination.notes.joined(separator: "; ")
            return result
        }
        // From a controller Pod when one is known, else from a pod-network address.
        let source: TraceRequest.Source
        if let pod = controller?.pods.first(where: { !$0.podIPs.isEmpty }) {
            source = .pod(pod.metadata.key)
        } else {
            let family = destination.targets.first?.address.family ?? .ipv4
            let client = try clientAddress(in: state, family: family)
            result.notes.append("no controller Pod with an address in the manifests: tracing from pod-network address \(client)")
            source = .address(client)
        }
        result.notes.append("the trace goes to the Service's cluster IP; controllers that proxy to endpoints directly "
                            + "(ingress-nginx does by default) skip its NAT, but meet the same NetworkPolicy verdicts")
        result.backendTrace = try trace(side, destination, source: source, sourcePort: 40000, nodeAddresses: nil)
        return result
    }

    /// The controller serving `ingress`: named by the user, or found from its class; what was
    /// found (or why nothing was) goes into `result`.
    private static func findController(_ state: ClusterState, _ ingress: Ingress, named controllerKey: String?,
                                       into result: inout IngressTraceResult) throws -> IngressController? {
        let controllers = IngressControllers(state: state)
        let ingressClass = controllers.ingressClass(of: ingress)
        result.ingressClass = ingressClass?.metadata.name ?? ingress.ingressClassName
        var controller: IngressController?
        if let controllerKey {
            controller = try controllers.controller(named: controllerKey)
        } else if let ingressClass {
            controller = controllers.controller(for: ingressClass)
            if controller == nil {
                result.notes.append("no Service or Pod of controller \(ingressClass.controller) found (name it with --ingress-controller ns/name)")
            }
        } else {
            result.notes.append(ingress.ingressClassName.map { "IngressClass \($0) is not in the manifests: no controller may serve this Ingress" }
                                ?? "the Ingress names no class and no IngressClass is marked default: no controller may serve it")
        }
        if let controller {
            result.controllerService = controller.service?.metadata.key
            result.externalAddresses = controller.externalAddresses
            result.controllerPods = controller.pods.map(\.metadata.key)
            result.controllerFoundBy = controller.foundBy
        }
        return controller
    }

    /// An outside client's connection to the controller Service's first external address
    /// (load-balancer IP, external IP, else its node port on the node), nil when it has none.
    static func entryTrace(_ side: LoadedSide, _ state: ClusterState, _ service: Service, port number: Int) throws -> TraceResult? {
        guard let port = service.ports.first(where: { $0.port == number && $0.protocol == .tcp }) else { return nil }
        let family = service.clusterIPs.first?.family ?? .ipv4
        var destination = service.loadBalancerIngress.compactMap(\.ip).first { $0.family == family }
            ?? service.externalIPs.first { $0.family == family }
        var destinationPort = port.port
        if destination == nil, port.nodePort != 0, let nodeIP = state.settings.nodeIP(for: family) {
            destination = nodeIP
            destinationPort = port.nodePort
        }
        guard let destination else { return nil }
        // A documentation-range address: outside the cluster and the node's networks.
        let client = family == .ipv4 ? IPAddress("198.51.100.200")! : IPAddress("2001:db8:ffff::200")!
        return try trace(side, TraceRequest(source: .address(client), destination: destination, proto: .tcp,
                                            destinationPort: UInt16(destinationPort)))
    }

    /// The packet path of an Ingress route: the controller's traces to the backend, drawn with
    /// the route (Ingress, host/path, controller entry) as the entry point.
    public static func ingressGraph(_ side: LoadedSide, _ requestText: String, controller: String? = nil,
                                    ingressClass: String? = nil, family: IPFamily? = nil) throws -> PathGraph {
        let result = try traceIngress(side, requestText, controller: controller, ingressClass: ingressClass)
        if let problem = result.problem { throw SideError(problem) }
        guard let backend = result.backendTrace, let ingress = result.ingress else {
            throw SideError("\(result.request) leads to no packet path: \(result.notes.joined(separator: "; "))")
        }
        var builder = PathGraphBuilder(title: "Ingress \(result.request)")
        let entry = "Ingress \(ingress) \(result.request)"
            + (result.controllerService.map { " via \($0)" + (result.externalAddresses.first.map { " (\($0))" } ?? "") } ?? "")
        let traces = backend.traces.filter { family == nil || $0.target.address.family == family }
        guard !traces.isEmpty else { throw SideError("no traced address of the backend\(family.map { " in \($0.rawValue)" } ?? "")") }
        for trace in traces {
            builder.add(entry: entry + " -> \(TracePacket.endpoint(trace.target.address, UInt16(trace.target.port)))", trace.result)
        }
        return builder.graph
    }
}
