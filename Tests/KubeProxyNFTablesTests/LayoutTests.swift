import ClusterState
import KubeProxyNFTables
import NetworkAddresses
import NetworkNamespaces
import NFTText
import PacketPath
import RuleModel
import ServiceCompiler
import Testing

/// Layout decisions the reference cases do not reach: settings other than the test
/// proxier's, dual-stack, backend selection, and the plans as backend input.
@Suite struct LayoutTests {
    static func state(_ yaml: String) throws -> ClusterState {
        try ManifestLoader.load(sources: [ManifestSource(name: "t.yaml", text: yaml)]).state
    }

    static let service = """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: prod}
        spec:
          type: LoadBalancer
          clusterIP: 172.30.0.20
          clusterIPs: [172.30.0.20, "fd00:172:30::20"]
          ipFamilies: [IPv4, IPv6]
          ipFamilyPolicy: RequireDualStack
          ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP, nodePort: 30080}]
          selector: {app: web}
          loadBalancerSourceRanges: [192.168.0.0/16]
        status:
          loadBalancer:
            ingress: [{ip: 5.6.7.8}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-v4, namespace: prod, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        endpoints: [{addresses: [10.1.0.5], conditions: {ready: true}, nodeName: test-hostname}]
        ports: [{name: http, port: 8080, protocol: TCP}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-v6, namespace: prod, labels: {kubernetes.io/service-name: web}}
        addressType: IPv6
        endpoints: [{addresses: ["fd00:10::5"], conditions: {ready: true}}]
        ports: [{name: http, port: 8080, protocol: TCP}]
        """

    static func text(_ state: ClusterState, _ families: [IPFamily]) throws -> [String] {
        try Pipeline.nftText(Pipeline.compileNFTables(state, families: families)).map(\.text.string)
    }

    @Test func dualStackGivesOneTablePerFamily() throws {
        let rulesets = Pipeline.compileNFTables(try Self.state(Self.service), families: [.ipv4, .ipv6])
        #expect(rulesets.map { $0.tables.map(\.family) } == [[.ip], [.ip6]])
        let texts = try Self.text(try Self.state(Self.service), [.ipv4, .ipv6])
        #expect(texts[0].contains("add element ip kube-proxy service-ips { 172.30.0.20 . tcp . 80 : goto service-"))
        #expect(texts[1].contains("add element ip6 kube-proxy service-ips { fd00:172:30::20 . tcp . 80 : goto service-"))
        #expect(texts[1].contains(" meta l4proto tcp dnat to [fd00:10::5]:8080\n"))
        #expect(!texts[1].contains("5.6.7.8"), "an IPv4 LB IP must not reach the ip6 table")
    }

    @Test func sourceRangeHoldingTheNodeIPAlsoAdmitsTheLoadBalancerIPs() throws {
        // The node IP 192.168.0.2 is inside 192.168.0.0/16; it must be stated, as no node
        // address is assumed.
        let node = """
            apiVersion: packetpath.io/v1alpha1
            kind: NodeConfig
            nodeIP: 192.168.0.2
            ---

            """
        let text = try Self.text(try Self.state(node + Self.service), [.ipv4])[0]
        #expect(text.contains(" ip saddr != { 192.168.0.0/16 , 5.6.7.8 } drop\n"))
    }

    @Test func nodePortsOnEveryAddressUseFibInsteadOfTheSet() throws {
        let config = """
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            mode: nftables
            nodePortAddresses: [0.0.0.0/0]
            ---

            """
        let text = try Self.text(try Self.state(config + Self.service), [.ipv4])[0]
        #expect(!text.contains("nodeport-ips"))
        #expect(text.contains("add rule ip kube-proxy services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports\n"))
        #expect(text.contains("add rule ip kube-proxy nodeport-endpoints-check ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports\n"))
    }

    @Test func kubeProxyConfigurationModeChoosesTheBackend() throws {
        let nft = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: nftables\n---\n"
        let ipt = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n---\n"
        #expect(Pipeline.defaultBackend(for: try Self.state(nft + Self.service)) == .nftables)
        #expect(Pipeline.defaultBackend(for: try Self.state(ipt + Self.service)) == .iptables)
        #expect(Pipeline.defaultBackend(for: try Self.state(Self.service)) == .iptables)
    }

    @Test func nftablesModeTakesMarkAndMasqueradeAllFromItsOwnSection() throws {
        let config = """
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            mode: nftables
            clusterCIDR: 10.0.0.0/8
            iptables: {masqueradeBit: 3}
            nftables: {masqueradeBit: 5, masqueradeAll: true}
            ---

            """
        let text = try Self.text(try Self.state(config + Self.service), [.ipv4])[0]
        #expect(text.contains("add rule ip kube-proxy mark-for-masquerade mark set mark or 0x000020\n"))
        // masqueradeAll: every client of the ClusterIP, not only those outside the pod network.
        #expect(text.contains(" ip daddr 172.30.0.20 tcp dport 80 jump mark-for-masquerade\n"))
    }

    @Test func plansCarryWhereEachPortAndEndpointComeFrom() throws {
        let state = try Self.state(Self.service)
        let plans = ServicePortPlanning.plans(state, settings: state.settings, family: .ipv6)
        try #require(plans.count == 1)
        #expect((plans[0].namespace, plans[0].serviceName, plans[0].portName, plans[0].name) == ("prod", "web", "http", "prod/web:http"))
        #expect(plans[0].endpoints.map(\.endpoint) == ["[fd00:10::5]:8080"])
        #expect(plans[0].selection.reachableEndpoints == [0])
    }

    /// From 2,000 ports on, two threads lay out one half each and their chains are moved
    /// into the table: the table must hold every port's objects in port order, as if each
    /// port were laid out alone, then the fixed chains.
    @Test func twoThreadLayoutJoinsThePortsInOrder() throws {
        var yaml = ""
        for index in 0..<2_100 {
            let ip = "172.30.\(index / 250).\(index % 250 + 1)"
            // Every third Service a NodePort one, every seventh without endpoints.
            let type = index % 3 == 0 ? "NodePort" : "ClusterIP"
            let nodePort = index % 3 == 0 ? ", nodePort: \(30_000 + index)" : ""
            yaml += """
                apiVersion: v1
                kind: Service
                metadata: {name: s\(index), namespace: ns}
                spec: {type: \(type), clusterIP: \(ip), ports: [{name: p, port: 80, protocol: TCP\(nodePort)}]}
                ---

                """
            guard index % 7 != 0 else { continue }
            yaml += """
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: s\(index)-a, namespace: ns, labels: {kubernetes.io/service-name: s\(index)}}
                addressType: IPv4
                endpoints: [{addresses: [10.1.\(index / 250).\(index % 250 + 1)], conditions: {ready: true}},
                            {addresses: [10.2.\(index / 250).\(index % 250 + 1)], conditions: {ready: true}}]
                ports: [{name: p, port: 8080, protocol: TCP}]
                ---

                """
        }
        let state = try Self.state(yaml)
        let compiler = KubeProxyNFTablesCompiler(settings: state.settings)
        let plans = ServicePortPlanning.plans(state, settings: state.settings, family: .ipv4)
        try #require(plans.count == 2_100)
        let whole = compiler.table(for: plans, family: .ipv4).tables[0]
        let fixed = compiler.table(for: [], family: .ipv4).tables[0]
        var chains: [Chain] = []
        var entries: [ChainName: [VerdictMap.Entry]] = [:]
        var clusterIPs: [SetElement] = []
        for plan in plans {
            let alone = compiler.table(for: [plan], family: .ipv4).tables[0]
            chains += alone.chains.dropLast(fixed.chains.count)
            for map in alone.maps { entries[map.name, default: []] += map.entries }
            clusterIPs += alone.sets.first { $0.name == KubeProxyNFTablesNaming.clusterIPs }!.elements
        }
        let expected = chains + fixed.chains
        try #require(whole.chains.count == expected.count)
        // The first difference only: the whole tables would print megabytes.
        let differing = whole.chains.indices.first { whole.chains[$0] != expected[$0] }
        #expect(differing == nil, "chain \(differing.map { "\(whole.chains[$0].name) at \($0)" } ?? "")")
        for map in whole.maps { #expect(map.entries == entries[map.name, default: []], "map \(map.name)") }
        #expect(whole.sets.first { $0.name == KubeProxyNFTablesNaming.clusterIPs }!.elements == clusterIPs)
    }

    /// Settings the cases never use still make text nft accepts.
    @Test(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
    func nftAcceptsTheUncoveredLayouts() throws {
        let config = """
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            mode: nftables
            nodePortAddresses: [0.0.0.0/0, "::/0"]
            ---

            """
        let scratch = try ScratchNamespace(tag: "nfty")
        defer { scratch.remove() }
        for text in try Self.text(try Self.state(config + Self.service), [.ipv4, .ipv6]) {
            let result = try scratch.exec(["nft", "-c", "-f", "-"], input: Array(text.utf8))
            #expect(result.status == 0, "nft -c: \(result.stderr)")
        }
    }
}
