import NetworkAddresses

/// Combines the node-settings sources. Precedence, lowest first: the defaults of kube-proxy's
/// unit-test proxier (which the reference dumps use), the v1 Node, a KubeProxyConfiguration,
/// a NodeConfig. When a KubeProxyConfiguration is given, what it leaves out takes
/// kube-proxy's real defaults instead (no cluster CIDR, mark bit 14).
struct SettingsResolver {
    var nodeConfig: SettingsPatch?
    var kubeProxy: SettingsPatch?
    var nodes: [Node]

    func resolve(warn: (String) -> Void) -> NodeSettings {
        var settings = NodeSettings.testDefaults
        let explicitHostname = nodeConfig?.hostname ?? kubeProxy?.hostname
        var node: Node? = nil
        if let explicitHostname {
            node = nodes.first { $0.metadata.name == explicitHostname }
        } else if nodes.count == 1 {
            node = nodes[0]
        } else if nodes.count > 1 {
            warn("\(nodes.count) Nodes given and no hostname set: none is used for the node's settings")
        }
        if let node {
            settings.hostname = node.metadata.name
            settings.nodeLabels = node.metadata.labels
            if !node.addresses.isEmpty {
                settings.nodeIPs = IPFamily.allCases.compactMap { family in node.addresses.first { $0.family == family } }
                settings.interfaceAddresses = [IPPrefix("127.0.0.1/8")!, IPPrefix("::1/128")!]
                    + node.addresses.map { IPPrefix(host: $0) }
            }
        }
        for patch in [kubeProxy, nodeConfig].compactMap({ $0 }) {
            apply(patch, to: &settings, node: node)
        }
        if let explicitHostname { settings.hostname = explicitHostname }
        return settings
    }

    private func apply(_ patch: SettingsPatch, to settings: inout NodeSettings, node: Node?) {
        if let family = patch.ipFamily { settings.ipFamily = family }
        if let ips = patch.nodeIPs {
            for ip in ips {
                settings.nodeIPs.removeAll { $0.family == ip.family }
                settings.nodeIPs.insert(ip, at: 0)
            }
        }
        if let addresses = patch.interfaceAddresses { settings.interfaceAddresses = addresses }
        switch patch.clusterCIDRs {
        case .replaceFamilies(let cidrs)?:
            for cidr in cidrs {
                settings.clusterCIDRs.removeAll { $0.family == cidr.family }
                settings.clusterCIDRs.append(cidr)
            }
        case .replaceAll(let cidrs)?:
            settings.clusterCIDRs = cidrs
        case .nodePodCIDRs?:
            settings.clusterCIDRs = node?.podCIDRs ?? []
        case nil:
            break
        }
        if let mark = patch.masqueradeMark { settings.masqueradeMark = mark }
        if let value = patch.masqueradeAll { settings.masqueradeAll = value }
        if let value = patch.localhostNodePorts { settings.localhostNodePorts = value }
        if let value = patch.nodePortAddresses { settings.nodePortAddresses = value }
        if let value = patch.nodePortAddressesPrimary { settings.nodePortAddressesPrimary = value }
        if let value = patch.conntrackTCPLiberal { settings.conntrackTCPLiberal = value }
        if let value = patch.iptablesRandomFully { settings.iptablesRandomFully = value }
        if let labels = patch.nodeLabels { settings.nodeLabels = labels }
        if let mode = patch.proxyMode { settings.proxyMode = mode }
        var gates = settings.featureGates
        if let value = patch.featureGates["TopologyAwareHints"] { gates.topologyAwareHints = value }
        if let value = patch.featureGates["ServiceTrafficDistribution"] { gates.serviceTrafficDistribution = value }
        if let value = patch.featureGates["LoadBalancerIPMode"] { gates.loadBalancerIPMode = value }
        settings.featureGates = gates
    }
}
