import Testing
import TestSupport
import ClusterState
import NetworkAddresses
import PacketPath
import PolicyCompiler
import RuleModel
@testable import PolicyNFTables

/// The nftables policy table's structure: its own table, base chains after DNAT, verdict
/// maps into per-pod chains, sets for peers, and the same resolution as the iptables layout.
@Suite struct PolicyNFTLayoutTests {
    private func load(_ yaml: String) throws -> ClusterState {
        try ManifestLoader.load(sources: [ManifestSource(name: "t.yaml", text: yaml)]).state
    }

    private func pods(_ namespace: String, count: Int, labels: (Int) -> String = { "app: p\($0 % 3)" }) -> String {
        PodManifests.pods(namespace, count: count, labels: labels)
    }

    private func policy(_ name: String, _ spec: String, namespace: String = "x") -> String {
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: \(name), namespace: \(namespace)}\nspec:\n"
            + spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
    }

    private func table(_ state: ClusterState) throws -> Table {
        try #require(PolicyNFTablesCompiler().compile(state, family: .ipv4))
    }

    /// The `nft -f` lines of the policy table as `compile --backend nftables` prints them.
    private func lines(_ state: ClusterState) throws -> [String] {
        let text = try Pipeline.nftText(Pipeline.compileNFTables(state, families: [.ipv4]))[0].text.string
        return text.split(separator: "\n").map(String.init).filter { $0.contains(" packetpath-policy") }
    }

    @Test func noIsolatedPodMeansNoTable() throws {
        let state = try load(pods("x", count: 2) + policy("other", "podSelector: {matchLabels: {app: none}}"))
        #expect(PolicyNFTablesCompiler().compile(state, family: .ipv4) == nil)
        let ruleset = Pipeline.compileNFTables(state, families: [.ipv4])[0]
        #expect(ruleset.tables.map(\.name) == ["kube-proxy"])
    }

    @Test func ownTableAfterKubeProxysWithBaseChainsAfterDNAT() throws {
        let state = try load(pods("x", count: 2) + policy("deny", "podSelector: {}"))
        let ruleset = Pipeline.compileNFTables(state, families: [.ipv4])[0]
        #expect(ruleset.tables.map(\.name) == ["kube-proxy", "packetpath-policy"])
        let table = ruleset.tables[1]
        #expect(table.family == .ip)
        let bases = table.chains.filter(\.isBase)
        #expect(Set(bases.map(\.name)) == ["forward-egress", "forward-ingress", "input-egress"])
        // kube-proxy's DNAT is at dstnat on prerouting/output; its filter chains at dstnat - 10.
        for chain in bases {
            #expect(chain.attachment!.priority > StandardPriority.dstnat.value + 10)
            #expect(chain.rules.first!.matches.contains(.conntrackState([.established, .related])))
            #expect(chain.rules.first!.verdict == .accept)
        }
        #expect(table.chain(named: "forward-ingress")!.attachment!.priority
                > table.chain(named: "forward-egress")!.attachment!.priority)
        #expect(try lines(state).contains("add chain ip packetpath-policy forward-ingress { type filter hook forward priority 1 ; }"))
    }

    /// A pod selected by many policies: the packet is sent to its chain by one map lookup,
    /// and the base chain does not grow with the policies.
    @Test func podSelectedByManyPoliciesIsReachedThroughOneVmapLookup() throws {
        func table(policies: Int) throws -> Table {
            let yaml = (0..<policies).map { policy("p\($0)", "podSelector: {}\ningress: [{ports: [{port: \(1000 + $0)}]}]") }
            return try self.table(load(pods("x", count: 3) + yaml.joined()))
        }
        let one = try table(policies: 1)
        let many = try table(policies: 20)
        let ingressBase = many.chain(named: "forward-ingress")!
        #expect(ingressBase.rules == one.chain(named: "forward-ingress")!.rules)
        #expect(ingressBase.rules.filter { $0.verdict == .verdictMap(fields: [.destinationAddress], map: "ingress-pods") }.count == 1)
        let map = try #require(many.maps.first { $0.name == "ingress-pods" })
        #expect(map.entries.count == 3, "one entry per isolated pod, whatever the number of policies")
        guard case .goto(let podChain) = map.entries[0].verdict else { Issue.record("not a goto"); return }
        // The pod's chain: itself, then one jump per selecting policy, then drop.
        let chain = try #require(many.chain(named: podChain))
        #expect(chain.rules.count == 20 + 2)
        #expect(chain.rules.last?.verdict == .drop)
        #expect(many.chains.filter { $0.name.description.hasPrefix("policy-ingress-") }.count == 20)
    }

    @Test func bothDirectionsAndPeerSets() throws {
        let state = try load(pods("x", count: 2) + pods("y", count: 2) + policy("both", """
            podSelector: {matchLabels: {app: p0}}
            policyTypes: [Ingress, Egress]
            ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}], ports: [{port: 80}]}]
            egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]}]
            """))
        let table = try table(state)
        #expect(table.maps.first { $0.name == "egress-pods" }!.entries.map(\.key) == [[.address(IPAddress("10.1.0.1")!)]])
        #expect(table.maps.first { $0.name == "ingress-pods" }!.entries.map(\.key) == [[.address(IPAddress("10.1.0.1")!)]])
        // The same peer group in both directions is one set, of y's pods.
        #expect(table.sets.count == 1)
        #expect(table.sets[0].elements.map(\.key) == [[.address(IPAddress("10.2.0.1")!)], [.address(IPAddress("10.2.0.2")!)]])
        let text = try lines(state)
        let set = table.sets[0].name
        #expect(text.contains { $0.hasSuffix("ip saddr @\(set) tcp dport 80 accept comment \"x/both ingress[0]\"") })
        #expect(text.contains { $0.hasSuffix("ip daddr @\(set) accept comment \"x/both egress[0]\"") })
        #expect(text.contains { $0.hasSuffix("ip daddr 10.1.0.1 accept comment \"x/p0 to itself\"") })
        #expect(text.contains { $0.hasSuffix("ip saddr 10.1.0.1 accept comment \"x/p0 to itself\"") })
    }

    @Test func ipBlockExceptIsASecondIntervalSetCheckedFirst() throws {
        let state = try load(pods("x", count: 1) + policy("out", """
            podSelector: {}
            policyTypes: [Egress]
            egress:
            - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 10.1.0.0/16]}}, {ipBlock: {cidr: "fd00::/8"}}]
              ports: [{port: 8000, endPort: 8080, protocol: UDP}]
            """))
        let table = try table(state)
        let block = try #require(table.sets.first { $0.name.description.hasPrefix("block-") })
        let except = try #require(table.sets.first { $0.name.description.hasPrefix("except-") })
        #expect(block.intervals && except.intervals)
        #expect(block.elements.map(\.key) == [[.prefix(IPPrefix("0.0.0.0/0")!)]])
        #expect(except.elements.map(\.key) == [[.prefix(IPPrefix("10.0.0.0/8")!)]], "10.1.0.0/16 lies inside 10.0.0.0/8")
        let rules = try lines(state).filter { $0.contains("x/out egress[0]") }
        #expect(rules.count == 1, "the IPv6 block matches nothing in the IPv4 table")
        #expect(rules[0].hasSuffix("ip daddr != @\(except.name) ip daddr @\(block.name) udp dport 8000-8080 accept comment \"x/out egress[0]\""))
    }

    @Test func namedPortsResolvePerDestinationPod() throws {
        let state = try load(PodManifests.webPodsWithNamedPorts + """
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: c, namespace: x, labels: {app: client}}
            spec: {containers: [{name: c}]}
            status: {podIP: 10.1.9.3}

            """ + policy("http", "podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}]}]")
            + policy("out", "podSelector: {matchLabels: {app: client}}\npolicyTypes: [Egress]\negress: [{to: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: http}]}]"))
        let text = try lines(state)
        #expect(text.filter { $0.contains("x/http ingress[0]") }.map { String($0.split(separator: " ", maxSplits: 5)[5]) } == [
            "ip daddr 10.1.9.1 tcp dport 8080 accept comment \"x/http ingress[0]\"",
            "ip daddr 10.1.9.2 tcp dport 9090 accept comment \"x/http ingress[0]\"",
        ])
        #expect(text.filter { $0.contains("x/out egress[0]") }.map { String($0.split(separator: " ", maxSplits: 5)[5]) } == [
            "ip daddr 10.1.9.1 tcp dport 8080 accept comment \"x/out egress[0]\"",
            "ip daddr 10.1.9.2 tcp dport 9090 accept comment \"x/out egress[0]\"",
        ])
    }

    @Test func policyAllowingNothingIsolatesWithoutAChain() throws {
        let state = try load(pods("x", count: 1) + policy("deny", "podSelector: {}\npolicyTypes: [Ingress, Egress]"))
        let table = try table(state)
        #expect(!table.chains.contains { $0.name.description.hasPrefix("policy-") })
        for type in ["egress", "ingress"] {
            let chain = try #require(table.chains.first { $0.name.description.hasPrefix("pod-\(type)-") })
            #expect(chain.rules.map(\.verdict) == [.accept, .drop])
        }
    }

    @Test func ipv6GetsAnIp6Table() throws {
        let state = try load("""
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: x}
            spec: {containers: [{name: c}]}
            status: {podIPs: [{ip: "fd00::a"}]}

            """ + policy("deny", "podSelector: {}"))
        let table = try #require(PolicyNFTablesCompiler().compile(state, family: .ipv6))
        #expect(table.family == .ip6)
        #expect(table.maps.first { $0.name == "ingress-pods" }!.keyTypes == [.ipv6Address])
    }
}
