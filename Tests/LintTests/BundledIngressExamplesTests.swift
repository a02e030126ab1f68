import Testing
import ClusterState
import Lint

/// The Ingress mistakes of the bundled examples, as `packetpath lint` reports them.
@Suite struct BundledIngressExamplesTests {
    private static let examples: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(3)
        return components.joined(separator: "/") + "/examples/"
    }()

    private func lint(_ files: String...) throws -> [Finding] {
        let loaded = try ManifestLoader.load(paths: files.map { Self.examples + $0 })
        return Linter().run(LintContext(state: loaded.state))
    }

    @Test func brokenIngressHasEachMistake() throws {
        let findings = try lint("broken-ingress.yaml").filter { $0.object?.kind == "Ingress" }
        #expect(findings.map(\.check).sorted() == [
            "ingress-backend-port", "ingress-backend-port", "ingress-backend-service", "ingress-class", "ingress-duplicate-path",
            "ingress-tls-host",
        ])
        #expect(findings.allSatisfy { $0.location?.file.hasSuffix("broken-ingress.yaml") == true && !$0.field.isEmpty && !$0.hint.isEmpty })
    }

    @Test func shopIngressIsBlockedOnlyOnItsCatalogRoute() throws {
        let findings = try lint("shop.yaml", "shop-ingress.yaml").filter { $0.check.hasPrefix("ingress-") }
        #expect(findings.map(\.check) == ["ingress-backend-policy"])
        #expect(findings.first?.field == "spec.rules[0].http.paths[1].backend")
        #expect(findings.first?.message.contains("Service shop/catalog port 80") == true)
    }
}
