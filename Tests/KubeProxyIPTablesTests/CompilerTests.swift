import Foundation
import Testing
import ClusterState
import IPTablesText
import NetworkAddresses
import RuleModel
@testable import KubeProxyIPTables
import ServiceCompiler

/// Small hand-built states checking the compiler's decisions one at a time.
@Suite struct CompilerTests {
    private func service(_ namespace: String, _ name: String, ip: String, ports: [ServicePort] = [ServicePort(name: "http", port: 80)],
                         configure: (inout Service) -> Void = { _ in }) -> Service {
        var service = Service(metadata: ObjectMeta(name: name, namespace: namespace), clusterIPs: [IPAddress(ip)!], ports: ports)
        configure(&service)
        return service
    }

    private func slice(_ namespace: String, _ service: String, _ addresses: [String], port: Int = 8080, portName: String = "http",
                       configure: (inout Endpoint) -> Void = { _ in }) -> EndpointSlice {
        EndpointSlice(metadata: ObjectMeta(name: "\(service)-\(addresses.count)", namespace: namespace),
                      serviceName: service, addressType: .ipv4,
                      endpoints: addresses.map {
                          var endpoint = Endpoint(addressText: $0, address: IPAddress($0)!)
                          configure(&endpoint)
                          return endpoint
                      },
                      ports: [EndpointPort(name: portName, protocol: .tcp, port: port)])
    }

    private func natRules(_ state: ClusterState, chainPrefix: String) -> [String] {
        let ruleset = KubeProxyIPTablesCompiler(settings: state.settings).compile(state, family: .ipv4)
        let text = try! IPTablesTextWriter().text(ruleset)
        return text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("-A " + chainPrefix) }
    }

    @Test func probabilitiesStepDownOneOverRemaining() {
        let addresses = (1...4).map { "10.1.0.\($0)" }
        let state = ClusterState(services: [service("ns", "web", ip: "10.96.0.1")], endpointSlices: [slice("ns", "web", addresses)])
        let dispatch = natRules(state, chainPrefix: "KUBE-SVC-").filter { $0.contains(" -> ") }
        #expect(dispatch.count == 4)
        #expect(dispatch[0].contains("--probability 0.2500000000"))
        #expect(dispatch[1].contains("--probability 0.3333333333"))
        #expect(dispatch[2].contains("--probability 0.5000000000"))
        #expect(!dispatch[3].contains("statistic"))
    }

    /// Each dispatch rule of the cluster and the local chain (with affinity: two rules per
    /// endpoint) jumps to the chain of the endpoint its comment names, and that chain's
    /// provenance is that endpoint of that port; every chain's name is the hash of its endpoint.
    @Test func dispatchRulesJumpToTheChainsOfTheEndpointsTheyName() throws {
        let addresses = (1...5).map { "10.1.0.\($0)" }
        let web = service("ns", "web", ip: "10.96.0.1", ports: [ServicePort(name: "http", port: 80, nodePort: 30080)]) {
            $0.type = .nodePort
            $0.externalTrafficPolicy = .local
            $0.sessionAffinity = .clientIP(timeoutSeconds: 60)
        }
        // Endpoints 2 and 4 are on this node: the local chain dispatches to a sublist.
        let endpoints = slice("ns", "web", addresses) { if ["10.1.0.2", "10.1.0.4"].contains($0.addressText) { $0.nodeName = "test-hostname" } }
        let state = ClusterState(services: [web], endpointSlices: [endpoints])
        let nat = try #require(KubeProxyIPTablesCompiler(settings: state.settings).compile(state, family: .ipv4).tables.first { $0.name == "nat" })
        var checked: [ServicePortPart: Int] = [:]
        for chain in nat.chains where chain.name.hasPrefix("KUBE-SVC-") || chain.name.hasPrefix("KUBE-SVL-") {
            let part = try #require(nat.provenance(of: chain)?.servicePortPart)
            for rule in chain.rules {
                guard case .jump(let target)? = rule.verdict, target.hasPrefix("KUBE-SEP-"),
                      let named = rule.comment?.description.split(separator: " ").last.map(String.init) else { continue }
                let endpointChain = try #require(nat.chain(named: target))
                guard case .endpoint(let index)? = nat.provenance(of: endpointChain)?.servicePortPart else {
                    Issue.record("\(target) has no endpoint provenance"); continue
                }
                #expect("10.1.0.\(index + 1):8080" == named)
                #expect(nat.provenance(of: endpointChain)?.servicePort?.name == "ns/web:http")
                #expect(target == ChainHashInput.suffix("ns/web:http", "tcp", named).chain("KUBE-SEP-"))
                checked[part, default: 0] += 1
            }
        }
        #expect(checked == [.clusterDispatch: 10, .localDispatch: 4])
    }

    @Test func endpointsSortAsBytesAndDuplicatesCollapse() {
        var remote = slice("ns", "web", ["10.1.10.1", "10.1.2.1"])
        remote.metadata.name = "a"
        var local = slice("ns", "web", ["10.1.2.1"]) { $0.nodeName = "test-hostname" }
        local.metadata.name = "b"
        let state = ClusterState(services: [service("ns", "web", ip: "10.96.0.1")], endpointSlices: [remote, local])
        let dispatch = natRules(state, chainPrefix: "KUBE-SVC-").filter { $0.contains(" -> ") }
        #expect(dispatch.map { $0.contains("10.1.10.1:8080") } == [true, false])
        #expect(dispatch.count == 2)
    }

    @Test func servicePortsFollowTheJoinedNameThenPortOrder() {
        // "a/x" sorts before "a-b/y" as a (service, port) pair, though "a-b/y" < "a/x" as one string.
        let state = ClusterState(services: [
            service("a-b", "y", ip: "10.96.0.2"), service("a", "x", ip: "10.96.0.1"),
            service("a", "z", ip: "10.96.0.3", ports: [ServicePort(name: "p2", port: 2), ServicePort(name: "p1", port: 1)]),
        ])
        let ruleset = KubeProxyIPTablesCompiler(settings: state.settings).compile(state, family: .ipv4)
        let filterServices = ruleset[table: "filter"]!.chain(named: "KUBE-SERVICES")!.rules.map { $0.comment!.description }
        #expect(filterServices == ["a-b/y:http has no endpoints", "a/x:http has no endpoints",
                                   "a/z:p1 has no endpoints", "a/z:p2 has no endpoints"])
    }

    @Test func chainsAreInCanonicalOrder() {
        let state = ClusterState(services: [service("ns", "web", ip: "10.96.0.1")], endpointSlices: [slice("ns", "web", ["10.1.0.1"])])
        let nat = KubeProxyIPTablesCompiler(settings: state.settings).compile(state, family: .ipv4)[table: "nat"]!
        let regular = nat.chains.filter { !$0.isBase }.map(\.name.description)
        #expect(Array(regular.prefix(2)) == ["KUBE-NODEPORTS", "KUBE-SERVICES"])
        #expect(Array(regular.dropFirst(2)) == regular.dropFirst(2).sorted())
        #expect(nat.chains.filter(\.isBase).map(\.name.description) == ["PREROUTING", "OUTPUT", "POSTROUTING"])
    }

    @Test func largeClusterModeDropsEndpointCommentsAboveOneThousand() {
        func state(endpoints: Int) -> ClusterState {
            let addresses = (0..<endpoints).map { "10.\(1 + $0 / 65536).\($0 / 256 % 256).\($0 % 256)" }
            return ClusterState(services: [service("ns", "web", ip: "10.96.0.1")], endpointSlices: [slice("ns", "web", addresses)])
        }
        #expect(natRules(state(endpoints: 1000), chainPrefix: "KUBE-SEP-").allSatisfy { $0.contains("--comment ns/web:http") })
        #expect(natRules(state(endpoints: 1001), chainPrefix: "KUBE-SEP-").allSatisfy { !$0.contains("--comment") })
    }

    /// The endpoint total counts endpoints that get rules: neither duplicates nor slices of
    /// no Service count towards large-cluster mode.
    @Test func largeClusterModeCountsOnlyEndpointsWithRules() {
        let addresses = (0..<600).map { "10.1.\($0 / 256).\($0 % 256)" }
        let state = ClusterState(
            services: [service("ns", "web", ip: "10.96.0.1")],
            endpointSlices: [slice("ns", "web", addresses), slice("ns", "web", addresses),
                             slice("ns", "gone", addresses + addresses.map { $0.replacingOccurrences(of: "10.1.", with: "10.2.") })])
        let rules = natRules(state, chainPrefix: "KUBE-SEP-")
        #expect(rules.count == 1_200)
        #expect(rules.allSatisfy { $0.contains("--comment ns/web:http") })
    }

    @Test func builtinJumpsAreInKubeProxysFinalOrder() {
        let ruleset = KubeProxyIPTablesCompiler(settings: .testDefaults).compile(ClusterState(), family: .ipv4)
        let input = ruleset[table: "filter"]!.chain(named: "INPUT")!.rules.map { $0.verdict!.targetChains[0].description }
        #expect(input == ["KUBE-FIREWALL", "KUBE-PROXY-FIREWALL", "KUBE-NODEPORTS", "KUBE-EXTERNAL-SERVICES"])
        let forward = ruleset[table: "filter"]!.chain(named: "FORWARD")!.rules.map { $0.verdict!.targetChains[0].description }
        #expect(forward == ["KUBE-PROXY-FIREWALL", "KUBE-FORWARD", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES"])
        var noLocalhost = NodeSettings.testDefaults
        noLocalhost.localhostNodePorts = false
        let output = KubeProxyIPTablesCompiler(settings: noLocalhost).compile(ClusterState(settings: noLocalhost), family: .ipv4)[table: "filter"]!
        #expect(output.chain(named: "KUBE-FIREWALL") == nil)
        #expect(output.chain(named: "OUTPUT")!.rules.map { $0.verdict!.targetChains[0].description } == ["KUBE-PROXY-FIREWALL", "KUBE-SERVICES"])
    }

    @Test func noClusterCIDRMeansNoOffClusterMasquerade() {
        var settings = NodeSettings.testDefaults
        settings.clusterCIDRs = []
        let state = ClusterState(settings: settings, services: [service("ns", "web", ip: "10.96.0.1")],
                                 endpointSlices: [slice("ns", "web", ["10.1.0.1"])])
        #expect(natRules(state, chainPrefix: "KUBE-SVC-").allSatisfy { !$0.contains("KUBE-MARK-MASQ") })
    }
}
