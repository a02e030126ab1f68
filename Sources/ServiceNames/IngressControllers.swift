import ClusterState
import NetworkAddresses

/// The Ingress controller that serves a class: its Service (the entry point from outside),
/// its Pods (the clients of the backends) and how they were found.
public struct IngressController: Sendable {
    public var service: Service?
    public var pods: [Pod]
    public var foundBy: String

    /// Where outside clients reach the controller: load-balancer addresses, external IPs,
    /// node ports.
    public var externalAddresses: [String] {
        guard let service else { return [] }
        var addresses: [String] = []
        for ingress in service.loadBalancerIngress {
            if let ip = ingress.ip { addresses.append(ip.description) }
            if let host = ingress.hostname { addresses.append(host) }
        }
        addresses += service.externalIPs.map(\.description)
        let nodePorts = service.ports.filter { $0.nodePort != 0 }.map { "node port \($0.nodePort)/\($0.protocol.rawValue)" }
        return addresses + nodePorts
    }
}

/// Which IngressClass an Ingress belongs to, and which controller serves it.
///
/// The controller is found by a heuristic, since nothing in the API links an IngressClass to
/// Pods: the class's `spec.controller` gives words — its last path segment and its domain's
/// first label, leaving out `k8s` and `kubernetes` (`k8s.io/ingress-nginx` gives
/// `ingress-nginx`, `traefik.io/ingress-controller` gives `ingress-controller` and `traefik`).
/// Controller Pods are those whose `app.kubernetes.io/name`, `app.kubernetes.io/instance`,
/// `app` or `k8s-app` label is one of the words; the controller Service is a Service selecting
/// them, LoadBalancer before NodePort before ClusterIP. When no Pod fits, a Service whose name
/// starts with a word is taken, with the Pods it selects. `--ingress-controller ns/name`
/// names the Service instead.
public struct IngressControllers: Sendable {
    public let state: ClusterState

    public init(state: ClusterState) {
        self.state = state
    }

    public static let labelKeys = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app", "k8s-app"]

    /// The class an Ingress names (or the default class when it names none); nil with no match.
    public func ingressClass(of ingress: Ingress) -> IngressClass? {
        if let name = ingress.ingressClassName { return state.ingressClasses.first { $0.metadata.name == name } }
        return defaultClass
    }

    public var defaultClass: IngressClass? { state.ingressClasses.first(where: \.isDefault) }

    /// The Ingresses a class's controller serves (those naming it, and those naming none when
    /// it is the default class).
    public func ingresses(of ingressClass: IngressClass) -> [Ingress] {
        state.ingresses.filter { self.ingressClass(of: $0)?.metadata.name == ingressClass.metadata.name }
    }

    public static func controllerWords(_ controller: String) -> [String] {
        let parts = controller.split(separator: "/")
        var words: [String] = []
        if let last = parts.last, parts.count > 1 { words.append(String(last)) }
        if let domain = parts.first?.split(separator: ".").first, !["k8s", "kubernetes"].contains(String(domain)),
           !words.contains(String(domain)) {
            words.append(String(domain))
        }
        return words
    }

    /// The controller of a class by the heuristic above; nil when nothing fits.
    public func controller(for ingressClass: IngressClass) -> IngressController? {
        let words = Self.controllerWords(ingressClass.controller)
        let pods = state.pods.filter { pod in Self.labelKeys.contains { key in pod.metadata.labels[key].map(words.contains) ?? false } }
        let how = "IngressClass \(ingressClass.metadata.name) has controller \(ingressClass.controller)"
        if !pods.isEmpty {
            let services = state.services.filter { service in pods.contains { selects(service, $0) } }
            let service = services.min { rank($0) < rank($1) }
            let labels = Self.labelKeys.joined(separator: ", ")
            return IngressController(service: service, pods: service.map { self.pods(of: $0) } ?? pods,
                                     foundBy: "\(how); Pods labelled (\(labels)) \(words.joined(separator: " or ")) run it"
                                        + (service.map { ", Service \($0.metadata.key) selects them" } ?? ", no Service selects them"))
        }
        let named = state.services.filter { service in words.contains { service.metadata.name.hasPrefix($0) } }
        if let service = named.min(by: { rank($0) < rank($1) }) {
            return IngressController(service: service, pods: self.pods(of: service),
                                     foundBy: "\(how); Service \(service.metadata.key) is named after it")
        }
        return nil
    }

    /// The controller Service named by the user (`namespace/name`) and the Pods it selects.
    public func controller(named key: String) throws -> IngressController {
        guard let service = state.services.first(where: { $0.metadata.key == key }) else {
            let nearest = EditDistance.nearest(to: key, in: state.services.map(\.metadata.key)).map { "; did you mean \($0)?" } ?? ""
            throw ResolutionError("no Service \(key) in the manifests for the Ingress controller\(nearest)")
        }
        return IngressController(service: service, pods: pods(of: service), foundBy: "named with --ingress-controller")
    }

    public func pods(of service: Service) -> [Pod] {
        state.pods.filter { selects(service, $0) }
    }

    private func selects(_ service: Service, _ pod: Pod) -> Bool {
        guard let selector = service.selector, !selector.isEmpty, pod.metadata.namespace == service.metadata.namespace else { return false }
        return selector.allSatisfy { pod.metadata.labels[$0.key] == $0.value }
    }

    private func rank(_ service: Service) -> Int {
        switch service.type {
        case .loadBalancer: return 0
        case .nodePort: return 1
        case .clusterIP: return 2
        case .externalName: return 3
        }
    }
}
