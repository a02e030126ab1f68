import NetworkAddresses

/// Feature gates the v1.30 proxier consults.
public struct FeatureGates: Sendable, Hashable {
    public var topologyAwareHints: Bool
    public var serviceTrafficDistribution: Bool
    public var loadBalancerIPMode: Bool

    /// The v1.30 defaults.
    public init(topologyAwareHints: Bool = true, serviceTrafficDistribution: Bool = false,
                loadBalancerIPMode: Bool = true) {
        self.topologyAwareHints = topologyAwareHints
        self.serviceTrafficDistribution = serviceTrafficDistribution
        self.loadBalancerIPMode = loadBalancerIPMode
    }
}

/// kube-proxy's backends PacketPath can compile for (`KubeProxyConfiguration.mode`).
public enum ProxyMode: String, Sendable, Hashable, CaseIterable {
    case iptables, nftables
}

/// The node and proxy settings rules are compiled for. Built from a `NodeConfig`, a
/// `KubeProxyConfiguration` and a v1 `Node`, in that order of precedence; proxy settings they
/// leave out take the defaults of kube-proxy's own unit tests (`NodeSettings.testDefaults`),
/// node facts they leave out (hostname, node IPs, cluster CIDR) stay unknown.
public struct NodeSettings: Sendable, Hashable {
    public var hostname: String
    /// The single family to compile for, when the settings name one (NodeConfig `ipFamily`).
    public var ipFamily: IPFamily?
    /// Primary node IPs, at most one per family.
    public var nodeIPs: [IPAddress]
    /// Addresses on the node's interfaces, with their prefix lengths.
    public var interfaceAddresses: [IPPrefix]
    /// Pod network per family; none for a family means no local-traffic detector there.
    public var clusterCIDRs: [IPPrefix]
    public var masqueradeMark: String
    public var masqueradeAll: Bool
    public var localhostNodePorts: Bool
    public var nodePortAddresses: [IPPrefix]
    /// `nodePortAddresses: [primary]`: NodePorts only on the primary node IPs.
    public var nodePortAddressesPrimary: Bool
    public var conntrackTCPLiberal: Bool
    public var iptablesRandomFully: Bool
    public var nodeLabels: [String: String]
    public var featureGates: FeatureGates
    /// The mode a KubeProxyConfiguration asked for; nil when none said.
    public var proxyMode: ProxyMode? = nil

    public init(hostname: String, ipFamily: IPFamily?, nodeIPs: [IPAddress], interfaceAddresses: [IPPrefix],
                clusterCIDRs: [IPPrefix], masqueradeMark: String, masqueradeAll: Bool,
                localhostNodePorts: Bool, nodePortAddresses: [IPPrefix], nodePortAddressesPrimary: Bool = false,
                conntrackTCPLiberal: Bool, iptablesRandomFully: Bool, nodeLabels: [String: String],
                featureGates: FeatureGates) {
        self.hostname = hostname
        self.ipFamily = ipFamily
        self.nodeIPs = nodeIPs
        self.interfaceAddresses = interfaceAddresses
        self.clusterCIDRs = clusterCIDRs
        self.masqueradeMark = masqueradeMark
        self.masqueradeAll = masqueradeAll
        self.localhostNodePorts = localhostNodePorts
        self.nodePortAddresses = nodePortAddresses
        self.nodePortAddressesPrimary = nodePortAddressesPrimary
        self.conntrackTCPLiberal = conntrackTCPLiberal
        self.iptablesRandomFully = iptablesRandomFully
        self.nodeLabels = nodeLabels
        self.featureGates = featureGates
    }

    /// The settings of kube-proxy v1.30's fake test proxier, which the reference dumps use.
    public static var testDefaults: NodeSettings {
        NodeSettings(
            hostname: "test-hostname", ipFamily: nil,
            nodeIPs: [IPAddress("192.168.0.2")!, IPAddress("2001:db8::1")!],
            interfaceAddresses: ["127.0.0.1/8", "::1/128", "192.168.0.2/24", "192.168.1.2/24",
                                 "192.168.99.11/24", "2001:db8::1/64", "2001:db8:1::2/64"].map { IPPrefix($0)! },
            clusterCIDRs: [IPPrefix("10.0.0.0/8")!, IPPrefix("fd00:10::/64")!],
            masqueradeMark: "0x4000", masqueradeAll: false, localhostNodePorts: true,
            nodePortAddresses: [], conntrackTCPLiberal: false, iptablesRandomFully: false,
            nodeLabels: [:], featureGates: FeatureGates())
    }

    public func nodeIP(for family: IPFamily) -> IPAddress? {
        nodeIPs.first { $0.family == family }
    }

    public func clusterCIDR(for family: IPFamily) -> IPPrefix? {
        clusterCIDRs.first { $0.family == family }
    }

    /// kube-proxy's `%#08x` of `1 << bit` (bit 14 → `0x004000`).
    public static func masqueradeMark(bit: Int) -> String {
        let hex = String(UInt32(1) << UInt32(bit), radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 6 - hex.count)) + hex
    }
}
