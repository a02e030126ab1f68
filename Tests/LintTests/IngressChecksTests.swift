import Testing
import ClusterState
import Lint

/// The Ingress checks, each on the mistake it exists for and on the manifests that are right.
@Suite struct IngressChecksTests {
    private let web = Fixtures.service("web")

    @Test func missingServiceWithNearestName() throws {
        let findings = try Fixtures.findings([web, IngressFixtures.ingress("app", service: "wbe")], IngressBackendService())
        #expect(findings.count == 1)
        #expect(findings.first?.object?.description == "Ingress prod/app")
        #expect(findings.first?.field == "spec.rules[0].http.paths[0].backend.service.name")
        #expect(findings.first?.message == "Service prod/wbe does not exist, so app.example.com/ gets 503 from the controller")
        #expect(findings.first?.hint == "did you mean \"web\"?")
        #expect(try Fixtures.findings([web, IngressFixtures.ingress("app")], IngressBackendService()).isEmpty)
    }

    @Test func portNameTheServiceLacks() throws {
        let findings = try Fixtures.findings([web, IngressFixtures.ingress("app", port: "{name: htp}")], IngressBackendPort())
        #expect(findings.map(\.field) == ["spec.rules[0].http.paths[0].backend.service.port.name"])
        #expect(findings.first?.severity == .error)
        #expect(findings.first?.hint == "did you mean \"http\"?")
        #expect(try Fixtures.findings([web, IngressFixtures.ingress("app", port: "{name: http}")], IngressBackendPort()).isEmpty)
    }

    @Test func portNumberThatIsTheTargetPort() throws {
        let service = Fixtures.service("web", ports: "[{name: http, port: 80, targetPort: 8080}]")
        let findings = try Fixtures.findings([service, IngressFixtures.ingress("app", port: "{number: 8080}")], IngressBackendPort())
        #expect(findings.map(\.field) == ["spec.rules[0].http.paths[0].backend.service.port.number"])
        #expect(findings.first?.hint == "8080 is the targetPort of Service port 80: an Ingress names the Service port")
        #expect(try Fixtures.findings([service, IngressFixtures.ingress("app", port: "{number: 80}")], IngressBackendPort()).isEmpty)
    }

    @Test func classThatDoesNotExist() throws {
        let findings = try Fixtures.findings([IngressFixtures.ingressClass(), IngressFixtures.ingress("app", className: "ngnix")],
                                             IngressClassMissing())
        #expect(findings.map(\.field) == ["spec.ingressClassName"])
        #expect(findings.first?.severity == .error)
        #expect(findings.first?.hint == "did you mean \"nginx\"?")
    }

    @Test func noClassAndNoDefaultClass() throws {
        let findings = try Fixtures.findings([IngressFixtures.ingressClass(), IngressFixtures.ingress("app", className: nil)],
                                             IngressClassMissing())
        #expect(findings.map(\.severity) == [.warning])
        #expect(findings.first?.message.contains("none is marked default") == true)
        // A default class takes it; with no classes in the input an info says they were not checked.
        #expect(try Fixtures.findings([IngressFixtures.ingressClass(isDefault: true), IngressFixtures.ingress("app", className: nil)],
                                      IngressClassMissing()).isEmpty)
        let unchecked = try Fixtures.findings([IngressFixtures.ingress("app", className: "other")], IngressClassMissing())
        #expect(unchecked.map(\.severity) == [.info])
        #expect(unchecked.first?.object == nil)
    }

    @Test func twoIngressesClaimingTheSameHostAndPath() throws {
        let documents = [IngressFixtures.ingressClass(), IngressFixtures.ingress("one", path: "/v1"),
                         IngressFixtures.ingress("two", path: "/v1/")]
        let findings = try Fixtures.findings(documents, IngressDuplicateHostPath())
        #expect(findings.map { $0.object?.description } == ["Ingress prod/two"])
        #expect(findings.first?.field == "spec.rules[0].http.paths[0].path")
        #expect(findings.first?.message.contains("also claimed by Ingress prod/one spec.rules[0].http.paths[0]") == true)
        // Exact and Prefix, another host, or another class: no conflict.
        for other in [IngressFixtures.ingress("two", path: "/v1", pathType: "Exact"),
                      IngressFixtures.ingress("two", host: "api.example.com", path: "/v1"),
                      IngressFixtures.ingress("two", className: "other", path: "/v1")] {
            let pair = [IngressFixtures.ingressClass(), IngressFixtures.ingress("one", path: "/v1"), other]
            #expect(try Fixtures.findings(pair, IngressDuplicateHostPath()).isEmpty)
        }
    }

    @Test func tlsHostWithoutRule() throws {
        let findings = try Fixtures.findings([IngressFixtures.ingress("app", tls: "[app.example.com, www.example.com]")],
                                             IngressTLSHostNotRouted())
        #expect(findings.map(\.field) == ["spec.tls[0].hosts[1]"])
        #expect(findings.first?.severity == .warning)
        #expect(findings.first?.message.contains("www.example.com") == true)
        // A wildcard rule covers one label.
        #expect(try Fixtures.findings([IngressFixtures.ingress("app", host: "\"*.example.com\"", tls: "[www.example.com]")],
                                      IngressTLSHostNotRouted()).isEmpty)
    }

    /// Controller Pods, the backend, and a policy that admits only the web tier: the check
    /// traces the controller's connection through the compiled policy chains.
    private func policyCase(allowFromController: Bool) -> [String] {
        let peers = allowFromController
            ? "[{podSelector: {matchLabels: {app: frontend}}}, {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]"
            : "[{podSelector: {matchLabels: {app: frontend}}}]"
        return [
            IngressFixtures.ingressClass(isDefault: true),
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: controller-1, namespace: ingress-nginx, labels: {app.kubernetes.io/name: ingress-nginx}}
            spec: {containers: [{name: c}]}
            status: {phase: Running, podIP: 10.244.1.100}
            """,
            """
            apiVersion: v1
            kind: Namespace
            metadata: {name: ingress-nginx}
            """,
            """
            apiVersion: v1
            kind: Namespace
            metadata: {name: prod}
            """,
            Fixtures.service("web", ports: "[{name: http, port: 80, targetPort: 8080}]"),
            Fixtures.pod("web-1", labels: "{app: web}"),
            Fixtures.slice("web"),
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web-from-frontend, namespace: prod}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress: [{from: \(peers), ports: [{port: 8080}]}]
            """,
            IngressFixtures.ingress("app", className: nil),
        ]
    }

    @Test func policyBlockingTheController() throws {
        let findings = try Fixtures.findings(policyCase(allowFromController: false), IngressBackendBlockedByPolicy())
        #expect(findings.count == 1)
        #expect(findings.first?.object?.description == "Ingress prod/app")
        #expect(findings.first?.field == "spec.rules[0].http.paths[0].backend")
        #expect(findings.first?.message.contains("Pod ingress-nginx/controller-1 (10.244.1.100)") == true)
        #expect(findings.first?.message.contains("isolated by NetworkPolicy prod/web-from-frontend") == true)
        #expect(try Fixtures.findings(policyCase(allowFromController: true), IngressBackendBlockedByPolicy()).isEmpty)
    }

    @Test func linterRunsTheIngressChecks() {
        let ids = Set(Linter.allChecks.map(\.id))
        for id in ["ingress-backend-service", "ingress-backend-port", "ingress-class", "ingress-duplicate-path", "ingress-tls-host",
                   "ingress-backend-policy"] {
            #expect(ids.contains(id), "\(id)")
        }
    }
}
