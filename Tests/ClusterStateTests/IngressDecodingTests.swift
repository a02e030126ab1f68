import Foundation
import Testing
import ClusterState

/// Ingress and IngressClass: API defaults, typed scalars, errors naming file, object and field.
@Suite struct IngressDecodingTests {
    private func load(_ yaml: String) throws -> ClusterState {
        try ManifestLoader.load(sources: [ManifestSource(name: "in.yaml", text: yaml)]).state
    }

    private func error(_ yaml: String) -> String {
        do {
            _ = try load(yaml)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    private func ingress(_ path: String) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: shop, namespace: prod}
        spec:
          rules:
          - host: app.example.com
            http:
              paths:
        \(path)
        """
    }

    @Test func decodesRulesWithDefaults() throws {
        let state = try load(ingress("      - {path: /v1, backend: {service: {name: api, port: {name: http}}}}\n"
                                     + "      - {path: /v2, pathType: Exact, backend: {service: {name: api, port: {number: 80}}}}"))
        let decoded = try #require(state.ingresses.first)
        #expect(decoded.metadata.key == "prod/shop")
        #expect(decoded.metadata.source?.file == "in.yaml")
        #expect(decoded.rules.first?.host == "app.example.com")
        let paths = try #require(decoded.rules.first?.paths)
        // pathType defaults to ImplementationSpecific, as the API server sets it.
        #expect(paths.map(\.pathType) == [.implementationSpecific, .exact])
        #expect(paths.map(\.backend) == [.service(name: "api", port: .name("http")), .service(name: "api", port: .number(80))])
    }

    @Test func legacyClassAnnotationAndIngressClass() throws {
        let state = try load("""
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: a, namespace: prod, annotations: {kubernetes.io/ingress.class: nginx}}
            spec: {defaultBackend: {service: {name: api, port: {number: 80}}}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
            spec: {controller: k8s.io/ingress-nginx}
            """)
        #expect(state.ingresses.first?.ingressClassName == "nginx")
        #expect(state.ingressClasses.map(\.controller) == ["k8s.io/ingress-nginx"])
        #expect(state.ingressClasses.first?.isDefault == true)
        #expect(state.ingressClasses.first?.metadata.namespace == "")
    }

    @Test func quotedPortNumberIsAnError() {
        #expect(error(ingress("      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: \"80\"}}}}"))
            == "in.yaml: document 1 (line 9): Ingress prod/shop: spec.rules[0].http.paths[0].backend.service.port.number: expected an integer, got a string")
    }

    @Test func portNameAndNumberTogether() {
        #expect(error(ingress("      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80, name: http}}}}"))
            .hasSuffix("Ingress prod/shop: spec.rules[0].http.paths[0].backend.service.port: name and number may not both be set"))
    }

    @Test func relativePathAndUnknownPathType() {
        #expect(error(ingress("      - {path: v1, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}"))
            .hasSuffix("spec.rules[0].http.paths[0].path: \"v1\" must be an absolute path (start with /)"))
        #expect(error(ingress("      - {path: /, pathType: Regex, backend: {service: {name: api, port: {number: 80}}}}"))
            .hasSuffix("spec.rules[0].http.paths[0].pathType: unsupported value \"Regex\" (supported: Exact, Prefix, ImplementationSpecific)"))
    }

    @Test func backendNeedsServiceOrResource() {
        #expect(error(ingress("      - {path: /, pathType: Prefix, backend: {}}"))
            .hasSuffix("spec.rules[0].http.paths[0].backend: one of service or resource is required"))
    }

    @Test func hostsAreDNSNamesWithOptionalWildcard() throws {
        let wildcard = ingress("      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}")
            .replacingOccurrences(of: "app.example.com", with: "\"*.example.com\"")
        #expect(try load(wildcard).ingresses.first?.rules.first?.host == "*.example.com")
        let address = wildcard.replacingOccurrences(of: "\"*.example.com\"", with: "10.0.0.1")
        #expect(error(address).hasSuffix("spec.rules[0].host: \"10.0.0.1\" must be a DNS name, not an IP address"))
    }

    @Test func emptySpecAndBadController() {
        #expect(error("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {}\n")
            .hasSuffix("Ingress default/a: spec: either defaultBackend or rules must be specified"))
        #expect(error("apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: x}\nspec: {controller: nginx}\n")
            .hasSuffix("IngressClass x: spec.controller: \"nginx\" is not a domain-prefixed path (like example.com/ingress-controller)"))
        #expect(error("apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: x}\nspec: {}\n")
            .hasSuffix("IngressClass x: spec.controller: required value is missing"))
    }
}
