import Testing
import ClusterState
import ServiceNames

/// What names resolve to: cluster IPs (both families), headless endpoints, ExternalName
/// aliases, and hints for names and ports that do not exist.
@Suite struct ResolverTests {
    private func resolver(_ side: () throws -> ClusterState?) throws -> DestinationResolver {
        DestinationResolver(state: try #require(try side()))
    }

    private let shop = { try Examples.side(Examples.shop).cluster?.state }

    private func name(_ text: String, _ namespace: String? = "shop") throws -> ServiceDNSName {
        try ServiceDNSName(parsing: text, clientNamespace: namespace)
    }

    @Test func dualStackClusterIPByPortName() throws {
        let resolved = try resolver(shop).resolve(try name("web"), port: "http")
        #expect(resolved.kind == .clusterIP)
        #expect(resolved.targets.map(\.address.description) == ["10.96.10.10", "fd00:96::10"])
        #expect(resolved.targets.map(\.port) == [80, 80])
        #expect(resolved.servicePort?.name == "http")
    }

    @Test func portNumberPicksTheProtocol() throws {
        let dns = try resolver(shop).resolve(try name("kube-dns.kube-system"), port: "53", proto: .udp)
        #expect(dns.servicePort?.name == "dns")
        #expect(dns.targets.map(\.protocol) == [.udp])
        let byName = try resolver(shop).resolve(try name("kube-dns.kube-system"), port: "dns-tcp")
        #expect(byName.targets.map(\.protocol) == [.tcp])
    }

    @Test func missingPortNumberIsTracedWithANote() throws {
        let resolved = try resolver(shop).resolve(try name("catalog"), port: "81")
        #expect(resolved.servicePort == nil)
        #expect(resolved.targets.map(\.port) == [81])
        #expect(resolved.notes.first?.contains("has no port 81 (ports: http 80/TCP)") == true)
    }

    @Test func unknownPortNameSuggestsTheNearest() throws {
        #expect(throws: ResolutionError.self) { try resolver(shop).resolve(try name("web"), port: "htp") }
        do {
            _ = try resolver(shop).resolve(try name("web"), port: "htp")
        } catch {
            #expect("\(error)".contains("has no port named \"htp\"") && "\(error)".contains("did you mean \"http\"?"), "\(error)")
        }
    }

    @Test func unknownNameSuggestsNearestNames() throws {
        do {
            _ = try resolver(shop).resolve(try name("catalgo"), port: "80")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("no Service shop/catalgo"), "\(error)")
            #expect("\(error)".contains("did you mean catalog.shop?"), "\(error)")
        }
        // The right name in the wrong namespace: the other namespace is suggested.
        do {
            _ = try resolver(shop).resolve(try name("kube-dns", "shop"), port: "53")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("did you mean kube-dns.kube-system?"), "\(error)")
        }
    }

    @Test func externalNameIsAnAlias() throws {
        let resolved = try resolver(shop).resolve(try name("payments"), port: "443")
        #expect(resolved.kind == .externalName)
        #expect(resolved.alias == "payments.example.net")
        #expect(resolved.targets.isEmpty)
    }

    @Test func headlessResolvesToReadyEndpoints() throws {
        let state = { try Examples.side(yaml: Examples.headless).cluster?.state }
        let byName = try resolver(state).resolve(try name("db", "prod"), port: "pg")
        #expect(byName.kind == .headless)
        // The slice's port for the name (what SRV gives), never the not-ready endpoint.
        #expect(byName.targets.map { "\($0.address):\($0.port)" } == ["10.244.1.11:15432", "10.244.2.12:15432"])
        #expect(byName.targets.first?.role == "endpoint (Pod prod/db-0)")
        // A number is used as written: nothing translates it.
        let byNumber = try resolver(state).resolve(try name("db", "prod"), port: "5432")
        #expect(byNumber.targets.map(\.port) == [5432, 5432])
    }
}
