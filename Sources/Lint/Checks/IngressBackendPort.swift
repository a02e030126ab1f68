import ClusterState

/// An Ingress backend naming a port its Service does not have, by number or by name. A
/// common slip is the container's port (the targetPort) where the Service port belongs.
public struct IngressBackendPort: LintCheck {
    public let id = "ingress-backend-port"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        IngressServiceBackend.all(in: context.state).compactMap { backend in
            guard let service = context.service(backend.ingress.metadata.namespace, backend.serviceName),
                  service.type != .externalName, context.servicePort(service, backend.port) == nil else { return nil }
            let listing = service.ports.map { ($0.name.isEmpty ? "" : "\"\($0.name)\" ") + "\($0.port)/\($0.protocol.rawValue)" }
                .joined(separator: ", ")
            let known = "Service \(service.metadata.key) has \(listing.isEmpty ? "no ports" : listing)"
            switch backend.port {
            case .number(let number):
                let byTarget = service.ports.first { $0.targetPort == .int(number) }
                return Finding(.error, check: id, ingress: backend.ingress, field: backend.field + ".service.port.number",
                               message: "port \(number) is not a TCP port of Service \(service.metadata.key), so \(backend.route) gets 503; \(known)",
                               hint: byTarget.map { "\(number) is the targetPort of Service port \($0.port): an Ingress names the Service port" }
                                   ?? "use one of the Service's ports")
            case .name(let name):
                let nearest = EditDistance.nearest(to: name, in: service.ports.map(\.name))
                return Finding(.error, check: id, ingress: backend.ingress, field: backend.field + ".service.port.name",
                               message: "Service \(service.metadata.key) has no port named \"\(name)\", so \(backend.route) gets 503; \(known)",
                               hint: nearest.map { "did you mean \"\($0)\"?" } ?? "use the name of a Service port (not a container port), or its number")
            }
        }
    }
}
