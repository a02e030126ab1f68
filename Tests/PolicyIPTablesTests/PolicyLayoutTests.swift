import Testing
import TestSupport
import ClusterState
import IPTablesText
import NetworkAddresses
import PacketPath
import PolicyIPTables
import RuleModel
import ServiceCompiler

/// The policy chains' structure: what gets isolated, how peers and ports become rules, and
/// that the rule count grows with policies × peers rather than pods × pods.
@Suite struct PolicyLayoutTests {
    private func load(_ yaml: String) throws -> ClusterState {
        try ManifestLoader.load(sources: [ManifestSource(name: "t.yaml", text: yaml)]).state
    }

    private func pods(_ namespace: String, count: Int, labels: (Int) -> String = { "app: p\($0 % 3)" }) -> String {
        PodManifests.pods(namespace, count: count, labels: labels)
    }

    private func filterRules(_ state: ClusterState) -> [String] {
        let ruleset = Pipeline.compile(state, families: [.ipv4])[0]
        return try! IPTablesTextWriter().text(ruleset).split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("-A PP-") }
    }

    @Test func noPoliciesMeansNoChains() throws {
        let state = try load(pods("x", count: 3))
        #expect(filterRules(state).isEmpty)
        let ruleset = Pipeline.compile(state, families: [.ipv4])[0]
        #expect(ruleset[table: "filter"]!.chain(named: "FORWARD")!.rules.allSatisfy { $0.comment?.description != "packetpath network policies" })
    }

    @Test func policyJumpsComeFirstInForwardAndInput() throws {
        let state = try load(pods("x", count: 2) + """
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny, namespace: x}
            spec: {podSelector: {}}
            """)
        let filter = Pipeline.compile(state, families: [.ipv4])[0][table: "filter"]!
        #expect(filter.chain(named: "FORWARD")!.rules.first?.verdict == .jump("PP-FORWARD"))
        #expect(filter.chain(named: "INPUT")!.rules.first?.verdict == .jump("PP-INPUT"))
        // Default deny: each pod gets an ingress chain ending in DROP; nothing allows.
        let rules = filterRules(state)
        #expect(rules.filter { $0.hasPrefix("-A PP-INGRESS-PODS") }.count == 2)
        #expect(rules.filter { $0.contains("no ingress policy allows this connection") && $0.hasSuffix("-j DROP") }.count == 2)
        #expect(!rules.contains { $0.contains("-g PP-ALLOW") })
        #expect(!rules.contains { $0.hasPrefix("-A PP-EGRESS-PODS") }, "Ingress-only policy isolates no egress")
    }

    @Test func ruleCountGrowsWithPoliciesAndPeersNotPodsSquared() throws {
        func ruleCount(podsPerNamespace: Int) throws -> Int {
            let state = try load(pods("x", count: podsPerNamespace) + pods("y", count: podsPerNamespace) + """
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: from-y, namespace: x}
                spec:
                  podSelector: {}
                  ingress:
                  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]
                """)
            return filterRules(state).count
        }
        let small = try ruleCount(podsPerNamespace: 50)
        let large = try ruleCount(podsPerNamespace: 500)
        // Linear: ten times the pods, about ten times the rules (pods × pods would be 100×).
        #expect(large < small * 11, "\(small) rules for 2×50 pods, \(large) for 2×500")
    }

    @Test func namedPortsResolvePerDestinationPod() throws {
        let state = try load(
            pods("x", count: 2, labels: { _ in "app: web" }) + PodManifests.webPodsWithNamedPorts + """
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: http, namespace: x}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress: [{ports: [{port: http}]}]
            """)
        // Pods without an "http" port get no rule; b's UDP "http" does not count for TCP.
        let chain = ChainHash.chainName(prefix: "PP-POL-I-", input: "x/http")
        let named = filterRules(state).filter { $0.contains("x/http ingress[0]") }
        #expect(named == [
            "-A \(chain) -m comment --comment \"x/http ingress[0]\" -d 10.1.9.1 -m tcp -p tcp --dport 8080 -g PP-ALLOW",
            "-A \(chain) -m comment --comment \"x/http ingress[0]\" -d 10.1.9.2 -m tcp -p tcp --dport 9090 -g PP-ALLOW",
        ])
    }

    @Test func ipBlockExceptGoesThroughAChainAndEndPortIsARange() throws {
        let state = try load(pods("x", count: 1) + """
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress:
              - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}, {ipBlock: {cidr: "fd00::/8"}}]
                ports: [{port: 8000, endPort: 8080, protocol: UDP}]
            """)
        let rules = filterRules(state)
        let policy = rules.filter { $0.contains("x/out egress[0]") }
        #expect(policy.count == 1, "the IPv6 block matches nothing in the IPv4 ruleset")
        #expect(policy[0].contains("-d 0.0.0.0/0 -m udp -p udp --dport 8000:8080 -j PP-BLK-D-"))
        #expect(rules.contains { $0.contains("--comment \"except 10.0.0.0/8\" -d 10.0.0.0/8 -j RETURN") })
    }

    @Test func allowMarkAvoidsTheMasqueradeBit() {
        var settings = NodeSettings.testDefaults
        #expect(PolicyIPTablesCompiler(settings: settings).allowMark.value == 0x10000)
        settings.masqueradeMark = "0x10000"
        #expect(PolicyIPTablesCompiler(settings: settings).allowMark.value == 0x20000)
    }
}
