import ClusterState

/// An Ingress backend naming a Service its namespace does not have: the controller has
/// nowhere to send the request and answers 503.
public struct IngressBackendService: LintCheck {
    public let id = "ingress-backend-service"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        IngressServiceBackend.all(in: context.state).compactMap { backend in
            let namespace = backend.ingress.metadata.namespace
            guard context.service(namespace, backend.serviceName) == nil else { return nil }
            let names = context.state.services.filter { $0.metadata.namespace == namespace }.map(\.metadata.name)
            let nearest = EditDistance.nearest(to: backend.serviceName, in: names)
            return Finding(.error, check: id, ingress: backend.ingress, field: backend.field + ".service.name",
                           message: "Service \(namespace)/\(backend.serviceName) does not exist, so \(backend.route) gets 503 from the controller",
                           hint: nearest.map { "did you mean \"\($0)\"?" } ?? "create the Service, or name one in namespace \(namespace) (an Ingress only reaches its own namespace)")
        }
    }
}
