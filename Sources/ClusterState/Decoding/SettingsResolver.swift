import NetworkAddresses

/// A fact about the node that no input stated.
enum UnstatedNodeFact: Sendable, Equatable {
    case hostname, nodeIPs, clusterCIDR
}

/// Combines the node-settings sources. Precedence, lowest first: the proxy defaults of
/// kube-proxy's unit-test proxier (which the reference dumps use), the v1 Node, a
/// KubeProxyConfiguration, a NodeConfig. When a KubeProxyConfiguration is given, what it
/// leaves out takes kube-proxy's real defaults instead (no cluster CIDR, mark bit 14). The
/// node's own facts (name, addresses, pod network) come only from the input.
struct SettingsResolver {
    var nodeConfig: SettingsPatch?
    var kubeProxy: SettingsPatch?
    var nodes: [Node]
    /// `--node`: which Node the input is compiled for.
    var chosenNode: String? = nil

    /// The settings, and which node facts no input stated (hostname, node IPs, cluster CIDR):
    /// those are left unknown — no endpoint or Pod counts as local, only loopback addresses are
    /// the node's, and there is no local-traffic detector — never filled from test fixtures.
    struct Resolved {
        var settings: NodeSettings
        var unstated: [UnstatedNodeFact]
    }

    func resolve() throws -> Resolved {
        var settings = NodeSettings.testDefaults
        settings.clusterCIDRs = []
        let explicitHostname = chosenNode ?? nodeConfig?.hostname ?? kubeProxy?.hostname
        let node = try choose(explicitHostname: explicitHostname)
        var unstated: [UnstatedNodeFact] = []
        settings.hostname = explicitHostname ?? node?.metadata.name ?? ""
        if settings.hostname.isEmpty { unstated.append(.hostname) }
        settings.nodeIPs = []
        settings.interfaceAddresses = [IPPrefix("127.0.0.1/8")!, IPPrefix("::1/128")!]
        if let node {
            settings.nodeLabels = node.metadata.labels
            if !node.addresses.isEmpty {
                settings.nodeIPs = IPFamily.allCases.compactMap { family in node.addresses.first { $0.family == family } }
                settings.interfaceAddresses += node.addresses.map { IPPrefix(host: $0) }
            }
        }
        for patch in [kubeProxy, nodeConfig].compactMap({ $0 }) {
            apply(patch, to: &settings, node: node)
        }
        if settings.nodeIPs.isEmpty && !settings.interfaceAddresses.contains(where: { !$0.address.isLoopback }) {
            unstated.append(.nodeIPs)
        }
        if nodeConfig?.clusterCIDRs == nil && kubeProxy == nil { unstated.append(.clusterCIDR) }
        return Resolved(settings: settings, unstated: unstated)
    }

    /// The Node whose name, labels and addresses apply: the one named by `--node` or the
    /// settings' hostname, or the only one; several without a choice are an error.
    private func choose(explicitHostname: String?) throws -> Node? {
        if let chosenNode, !nodes.isEmpty, !nodes.contains(where: { $0.metadata.name == chosenNode }) {
            throw ManifestError(file: nodes[0].metadata.source?.file ?? "input",
                                message: "--node \(quoted(chosenNode)) names none of the \(nodes.count) Nodes in the input (\(nodeNames))")
        }
        if let explicitHostname {
            return nodes.first { $0.metadata.name == explicitHostname }
        }
        if nodes.count == 1 { return nodes[0] }
        if nodes.count > 1 {
            throw ManifestError(file: nodes[0].metadata.source?.file ?? "input",
                                message: "the input holds \(nodes.count) Nodes (\(nodeNames)): choose the node to compile for with --node NAME")
        }
        return nil
    }

    private var nodeNames: String {
        let names = nodes.map { quoted($0.metadata.name) }
        return names.count > 10 ? names.prefix(10).joined(separator: ", ") + ", …" : names.joined(separator: ", ")
    }

    private func apply(_ patch: SettingsPatch, to settings: inout NodeSettings, node: Node?) {
        if let family = patch.ipFamily { settings.ipFamily = family }
        if let ips = patch.nodeIPs {
            for ip in ips {
                settings.nodeIPs.removeAll { $0.family == ip.family }
                settings.nodeIPs.insert(ip, at: 0)
                // The primary node IP is on one of the node's interfaces.
                if patch.interfaceAddresses == nil && !settings.interfaceAddresses.contains(where: { $0.address == ip }) {
                    settings.interfaceAddresses.append(IPPrefix(host: ip))
                }
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
