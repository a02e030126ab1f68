import ClusterState

/// Every Service backend an Ingress names, with the field it is written in.
struct IngressServiceBackend {
    let ingress: Ingress
    /// `spec.defaultBackend` or `spec.rules[0].http.paths[1].backend`.
    let field: String
    let serviceName: String
    let port: IngressBackend.Port
    let host: String
    let path: IngressPath?

    static func all(in state: ClusterState) -> [IngressServiceBackend] {
        var result: [IngressServiceBackend] = []
        for ingress in state.ingresses {
            if case .service(let name, let port)? = ingress.defaultBackend {
                result.append(IngressServiceBackend(ingress: ingress, field: "spec.defaultBackend", serviceName: name, port: port,
                                                    host: "", path: nil))
            }
            for (ruleIndex, rule) in ingress.rules.enumerated() {
                for (pathIndex, path) in rule.paths.enumerated() {
                    guard case .service(let name, let port) = path.backend else { continue }
                    result.append(IngressServiceBackend(ingress: ingress, field: "spec.rules[\(ruleIndex)].http.paths[\(pathIndex)].backend",
                                                        serviceName: name, port: port, host: rule.host, path: path))
                }
            }
        }
        return result
    }

    var route: String { (host.isEmpty ? "*" : host) + (path.map { $0.path.isEmpty ? "/" : $0.path } ?? " (default backend)") }
}

extension Finding {
    init(_ severity: Severity, check: String, ingress: Ingress, field: String, message: String, hint: String) {
        self.init(severity, check: check, object: ObjectID(kind: "Ingress", namespace: ingress.metadata.namespace, name: ingress.metadata.name),
                  location: ingress.metadata.source, field: field, message: message, hint: hint)
    }
}

extension LintContext {
    func service(_ namespace: String, _ name: String) -> Service? {
        state.services.first { $0.metadata.namespace == namespace && $0.metadata.name == name }
    }

    /// The Service port an Ingress backend names, nil when the Service has none such.
    func servicePort(_ service: Service, _ port: IngressBackend.Port) -> ServicePort? {
        switch port {
        case .number(let number): return service.ports.first { $0.port == number && $0.protocol == .tcp }
        case .name(let name): return service.ports.first { $0.name == name }
        }
    }
}
