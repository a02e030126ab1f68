import ClusterState
import NetworkAddresses

extension NodeSettings {
    /// Settings for a lab node: kube-proxy's test defaults with the lab's hostname, node
    /// address and pod CIDR (the CIDR decides which clients kube-proxy masquerades).
    public static func lab(hostname: String = "lab-node", nodeAddress: IPAddress = LabTopology.defaultNodeAddress,
                           clusterCIDR: IPPrefix = IPPrefix("10.244.0.0/16")!) -> NodeSettings {
        var settings = NodeSettings.testDefaults
        settings.hostname = hostname
        settings.ipFamily = .ipv4
        settings.nodeIPs = [nodeAddress]
        settings.interfaceAddresses = [IPPrefix("127.0.0.1/8")!, IPPrefix(host: nodeAddress)]
        settings.clusterCIDRs = [clusterCIDR]
        return settings
    }
}
