import RuleModel

/// Names of the chains kube-proxy v1.30 always writes, and of the built-in chains it hooks.
public enum KubeProxyChains {
    public static let services: ChainName = "KUBE-SERVICES"
    public static let externalServices: ChainName = "KUBE-EXTERNAL-SERVICES"
    public static let forward: ChainName = "KUBE-FORWARD"
    public static let nodePorts: ChainName = "KUBE-NODEPORTS"
    public static let proxyFirewall: ChainName = "KUBE-PROXY-FIREWALL"
    /// Shared with kubelet; written only for IPv4 with localhost NodePorts enabled.
    public static let firewall: ChainName = "KUBE-FIREWALL"
    public static let postrouting: ChainName = "KUBE-POSTROUTING"
    public static let markMasquerade: ChainName = "KUBE-MARK-MASQ"

    /// Prefixes of the per-service-port and per-endpoint chains.
    public static let servicePortChainPrefixes = ["KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-", "KUBE-SEP-"]

    public static let filterTable = "filter"
    public static let natTable = "nat"

    /// iptables-nft's built-in chains: hook and priority per table.
    public static func builtinAttachment(table: String, chain: Hook) -> BaseChainAttachment {
        switch (table, chain) {
        case (natTable, .prerouting), (natTable, .output): return BaseChainAttachment(hook: chain, priority: ChainPriority(.dstnat))
        case (natTable, _): return BaseChainAttachment(hook: chain, priority: ChainPriority(.srcnat))
        default: return BaseChainAttachment(hook: chain, priority: ChainPriority(.filter))
        }
    }
}
