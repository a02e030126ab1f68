/// Ingress manifests for the Ingress checks, in namespace prod beside `Fixtures.service`.
enum IngressFixtures {
    static func ingressClass(_ name: String = "nginx", isDefault: Bool = false) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: \(name)\(isDefault ? ", annotations: {ingressclass.kubernetes.io/is-default-class: \"true\"}" : "")}
        spec: {controller: k8s.io/ingress-nginx}
        """
    }

    /// One rule for `host` with one path to `service` on `port` (`{number: 80}` or `{name: http}`).
    static func ingress(_ name: String, className: String? = "nginx", host: String = "app.example.com", path: String = "/",
                        pathType: String = "Prefix", service: String = "web", port: String = "{name: http}",
                        tls: String? = nil) -> String {
        var spec = className.map { "  ingressClassName: \($0)\n" } ?? ""
        if let tls { spec += "  tls: [{hosts: \(tls)}]\n" }
        return """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: \(name), namespace: prod}
            spec:
            \(spec)  rules:
              - host: \(host)
                http:
                  paths:
                  - {path: \(path), pathType: \(pathType), backend: {service: {name: \(service), port: \(port)}}}
            """
    }
}
