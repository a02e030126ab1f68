import Testing
import ClusterState
import ServiceNames

/// Host and path matching as the Ingress API defines it.
@Suite struct IngressRouterTests {
    private func path(_ path: String, _ type: IngressPathType, _ service: String) -> IngressPath {
        IngressPath(path: path, pathType: type, backend: .service(name: service, port: .number(80)))
    }

    private func ingress(_ name: String, host: String = "app.example.com", _ paths: [IngressPath],
                         defaultBackend: IngressBackend? = nil) -> Ingress {
        Ingress(metadata: ObjectMeta(name: name, namespace: "prod"), defaultBackend: defaultBackend,
                rules: [IngressRule(host: host, paths: paths)])
    }

    private func backend(_ request: String, _ ingresses: [Ingress]) throws -> String? {
        guard case .service(let name, _)? = IngressRouter.route(try IngressRequest(parsing: request), through: ingresses)?.backend else {
            return nil
        }
        return name
    }

    @Test func requestParsing() throws {
        let request = try IngressRequest(parsing: "https://App.Example.com:8443/v1/users?q=1")
        #expect(request.host == "app.example.com")
        #expect(request.path == "/v1/users")
        #expect(try IngressRequest(parsing: "app.example.com").path == "/")
        #expect(throws: ResolutionError.self) { try IngressRequest(parsing: "/v1") }
    }

    @Test func hostsExactThenOneLabelWildcardThenAny() {
        #expect(IngressRouter.hostRank("app.example.com", "app.example.com") == 2)
        #expect(IngressRouter.hostRank("*.example.com", "app.example.com") == 1)
        #expect(IngressRouter.hostRank("*.example.com", "a.b.example.com") == nil)
        #expect(IngressRouter.hostRank("*.example.com", "example.com") == nil)
        #expect(IngressRouter.hostRank("", "anything.test") == 0)
        #expect(IngressRouter.hostRank("app.example.com", "api.example.com") == nil)
    }

    @Test func prefixMatchesWholeElements() {
        let prefix = path("/foo", .prefix, "a")
        #expect(IngressRouter.pathMatch(prefix, "/foo") != nil)
        #expect(IngressRouter.pathMatch(prefix, "/foo/") != nil)
        #expect(IngressRouter.pathMatch(prefix, "/foo/bar") != nil)
        #expect(IngressRouter.pathMatch(prefix, "/foobar") == nil)
        #expect(IngressRouter.pathMatch(path("/foo/", .prefix, "a"), "/foo") != nil)
        #expect(IngressRouter.pathMatch(path("/", .prefix, "a"), "/anything/at/all") != nil)
        let exact = path("/foo", .exact, "a")
        #expect(IngressRouter.pathMatch(exact, "/foo") != nil)
        #expect(IngressRouter.pathMatch(exact, "/foo/") == nil)
    }

    @Test func longestMatchWinsExactBeforePrefix() throws {
        let ingresses = [ingress("a", [path("/", .prefix, "root"), path("/api", .prefix, "api"), path("/api/v2", .prefix, "v2"),
                                       path("/api/v2", .exact, "v2-exact")])]
        #expect(try backend("app.example.com/", ingresses) == "root")
        #expect(try backend("app.example.com/api/users", ingresses) == "api")
        #expect(try backend("app.example.com/api/v2/users", ingresses) == "v2")
        #expect(try backend("app.example.com/api/v2", ingresses) == "v2-exact")
    }

    @Test func exactHostBeatsWildcardAcrossIngresses() throws {
        let ingresses = [ingress("wild", host: "*.example.com", [path("/", .prefix, "wild")]),
                         ingress("exact", [path("/", .prefix, "exact")])]
        #expect(try backend("app.example.com/x", ingresses) == "exact")
        #expect(try backend("shop.example.com/x", ingresses) == "wild")
        #expect(try backend("a.shop.example.com/x", ingresses) == nil)
    }

    /// The exact host's rules decide alone: a path only the wildcard host has is not reached.
    @Test func noFallBackToALessSpecificHost() throws {
        let ingresses = [ingress("wild", host: "*.example.com", [path("/docs", .prefix, "wild-docs")]),
                         ingress("exact", [path("/api", .prefix, "exact-api")],
                                 defaultBackend: .service(name: "fallback", port: .number(80)))]
        #expect(try backend("app.example.com/docs", ingresses) == "fallback")
        #expect(try backend("www.example.com/docs", ingresses) == "wild-docs")
    }

    @Test func implementationSpecificIsPrefixWithANote() throws {
        let route = IngressRouter.route(try IngressRequest(parsing: "app.example.com/docs/intro"),
                                        through: [ingress("a", [path("/docs", .implementationSpecific, "docs")])])
        #expect(route?.field == "spec.rules[0].http.paths[0]")
        #expect(route?.notes.contains { $0.contains("ImplementationSpecific") } == true)
    }

    @Test func defaultBackendWhenNoPathMatches() throws {
        let ingresses = [ingress("a", [path("/api", .exact, "api")], defaultBackend: .service(name: "fallback", port: .number(80)))]
        let route = IngressRouter.route(try IngressRequest(parsing: "app.example.com/other"), through: ingresses)
        #expect(route?.field == "spec.defaultBackend")
        #expect(try backend("app.example.com/other", ingresses) == "fallback")
        #expect(try backend("app.example.com/other", [ingress("a", [path("/api", .exact, "api")])]) == nil)
    }

    @Test func tiedRulesOfTwoIngressesAreNoted() throws {
        let route = IngressRouter.route(try IngressRequest(parsing: "app.example.com/v1/x"),
                                        through: [ingress("one", [path("/v1", .prefix, "one")]), ingress("two", [path("/v1/", .prefix, "two")])])
        #expect(route?.ingress.metadata.name == "one")
        #expect(route?.notes.contains { $0.contains("Ingress prod/two") } == true)
    }
}
