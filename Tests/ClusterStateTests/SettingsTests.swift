import Testing
import NetworkAddresses
@testable import ClusterState

@Suite struct SettingsTests {
    private func settings(_ text: String) throws -> NodeSettings {
        try ManifestLoader.load(sources: [ManifestSource(name: "in.yaml", text: text)]).state.settings
    }

    /// Proxy settings default to kube-proxy's test proxier; the node's own facts are never
    /// filled from it (NotesTests covers the note that says so).
    @Test func proxyDefaultsAreKubeProxysTestProxierNodeFactsAreUnknown() throws {
        let defaults = try settings("")
        #expect(defaults.hostname == "")
        #expect(defaults.nodeIPs.isEmpty)
        #expect(defaults.masqueradeMark == "0x4000")
        #expect(defaults.clusterCIDRs.isEmpty)
        #expect(defaults.localhostNodePorts)
        #expect(defaults.featureGates == FeatureGates(topologyAwareHints: true, serviceTrafficDistribution: false, loadBalancerIPMode: true))
    }

    @Test func kubeProxyConfigurationMapsOntoSettings() throws {
        let resolved = try settings("""
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            clusterCIDR: 10.244.0.0/16,fd00:244::/56
            iptables:
              masqueradeBit: 14
              masqueradeAll: true
              localhostNodePorts: false
            nodePortAddresses: [192.168.0.0/24]
            featureGates: {TopologyAwareHints: false, SomeOtherGate: true}
            conntrack: {tcpBeLiberal: true}
            """)
        #expect(resolved.masqueradeMark == "0x004000")
        #expect(resolved.masqueradeAll)
        #expect(!resolved.localhostNodePorts)
        #expect(resolved.clusterCIDRs == [IPPrefix("10.244.0.0/16")!, IPPrefix("fd00:244::/56")!])
        #expect(resolved.nodePortAddresses == [IPPrefix("192.168.0.0/24")!])
        #expect(!resolved.featureGates.topologyAwareHints)
        #expect(resolved.conntrackTCPLiberal)
    }

    @Test func kubeProxyDefaultsApplyToWhatItLeavesOut() throws {
        let resolved = try settings("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n")
        #expect(resolved.masqueradeMark == "0x004000")
        #expect(resolved.clusterCIDRs.isEmpty, "no clusterCIDR: no local-traffic detector, as in kube-proxy")
    }

    @Test func nodeSuppliesNameLabelsAndAddressesAndNodeConfigWins() throws {
        let node = """
            apiVersion: v1
            kind: Node
            metadata:
              name: worker-1
              labels: {topology.kubernetes.io/zone: zone-a}
            status:
              addresses:
              - {type: Hostname, address: worker-1}
              - {type: InternalIP, address: 192.168.5.10}
            """
        let fromNode = try settings(node)
        #expect(fromNode.hostname == "worker-1")
        #expect(fromNode.nodeLabels["topology.kubernetes.io/zone"] == "zone-a")
        #expect(fromNode.nodeIP(for: .ipv4) == IPAddress("192.168.5.10"))
        #expect(fromNode.interfaceAddresses.contains(IPPrefix("192.168.5.10/32")!))

        let overridden = try settings(node + "\n---\nkind: NodeConfig\napiVersion: packetpath.io/v1alpha1\nhostname: other\nmasqueradeBit: 15\n")
        #expect(overridden.hostname == "other")
        #expect(overridden.masqueradeMark == "0x008000")
    }

    @Test func masqueradeMarkSpellingIsKeptVerbatim() throws {
        #expect(try settings("kind: NodeConfig\napiVersion: packetpath.io/v1alpha1\nmasqueradeMark: 0x4000\n").masqueradeMark == "0x4000")
        #expect(try settings("kind: NodeConfig\napiVersion: packetpath.io/v1alpha1\nmasqueradeMark: '0x00004000'\n").masqueradeMark == "0x00004000")
        #expect(NodeSettings.masqueradeMark(bit: 14) == "0x004000")
        #expect(NodeSettings.masqueradeMark(bit: 0) == "0x000001")
        #expect(NodeSettings.masqueradeMark(bit: 31) == "0x80000000")
    }
}
