import Testing
import ServiceNames

/// Names read as cluster DNS completes them for a client Pod.
@Suite struct ServiceDNSNameTests {
    @Test func everyFormNamesTheSameService() throws {
        for text in ["web", "web.shop", "web.shop.svc", "web.shop.svc.cluster.local", "web.shop.svc.cluster.local.", "WEB.Shop"] {
            let name = try ServiceDNSName(parsing: text, clientNamespace: "shop")
            #expect(name.key == "shop/web", "\(text)")
            #expect(name.fqdn == "web.shop.svc.cluster.local", "\(text)")
        }
    }

    @Test func bareNameTakesTheClientNamespace() throws {
        #expect(try ServiceDNSName(parsing: "web", clientNamespace: "prod").key == "prod/web")
        // name.namespace does not depend on the client's namespace.
        #expect(try ServiceDNSName(parsing: "web.shop", clientNamespace: "prod").key == "shop/web")
    }

    @Test func bareNameWithoutClientSaysWhatIsMissing() {
        #expect(throws: ServiceNameError.self) { try ServiceDNSName(parsing: "web", clientNamespace: nil) }
        do {
            _ = try ServiceDNSName(parsing: "web", clientNamespace: nil)
        } catch {
            #expect("\(error)".contains("give --from-pod ns/name or --namespace NS, or write web.NAMESPACE"))
        }
    }

    @Test func configurableClusterDomain() throws {
        let name = try ServiceDNSName(parsing: "web.shop.svc.corp.internal", clientNamespace: nil, clusterDomain: "corp.internal")
        #expect(name.key == "shop/web")
        #expect(name.fqdn == "web.shop.svc.corp.internal")
        // Under another domain the full name is not a Service name.
        do {
            _ = try ServiceDNSName(parsing: "web.shop.svc.cluster.local", clientNamespace: nil, clusterDomain: "corp.internal")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("name.namespace.svc.corp.internal"))
        }
    }

    @Test func malformedNames() {
        // An absolute short name (trailing dot) skips the search path, so it names no Service.
        for text in ["a.b.c", "web..shop", ".web", "pod.web.shop.svc.cluster.local", "web.", "web.shop.", "web.shop.svc."] {
            #expect(throws: ServiceNameError.self, "\(text)") { try ServiceDNSName(parsing: text, clientNamespace: "shop") }
        }
    }
}
