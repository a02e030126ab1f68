import ClusterState
import NetworkAddresses
import RuleModel

/// The node settings as kube-proxy v1.30's nftables proxier applies them to one IP family.
struct LayoutSettings {
    let family: IPFamily
    let tableFamily: TableFamily
    let mark: MarkValue
    let masqueradeAll: Bool
    /// The local-traffic detector's pod network; nil means no detector.
    let clusterCIDR: IPPrefix?
    /// The primary node IP: a source range containing it also admits the LB IPs themselves.
    let nodeIP: IPAddress?
    /// Addresses that accept NodePorts; nil means every local address (`fib daddr type local`).
    let nodePortIPs: [IPAddress]?

    init(_ settings: NodeSettings, family: IPFamily) {
        self.family = family
        tableFamily = family == .ipv4 ? .ip : .ip6
        // Settings are validated before compiling, so the mark always parses.
        mark = MarkValue(parsing: settings.masqueradeMark) ?? MarkValue(1 << 14)
        masqueradeAll = settings.masqueradeAll
        clusterCIDR = settings.clusterCIDR(for: family)
        let primary = settings.nodeIP(for: family)
        nodeIP = primary
        nodePortIPs = LayoutSettings.nodePortIPs(settings, family: family, primary: primary)
    }

    /// kube-proxy's NodePort addresses of the family: the configured CIDRs (`primary` being the
    /// node IP); none configured means the node IP in nftables mode, or every address when
    /// there is no node IP either. The node's non-loopback addresses inside them accept NodePorts.
    private static func nodePortIPs(_ settings: NodeSettings, family: IPFamily, primary: IPAddress?) -> [IPAddress]? {
        var cidrs = settings.nodePortAddresses.filter { $0.family == family }
        if settings.nodePortAddressesPrimary, let primary { cidrs.append(IPPrefix(host: primary)) }
        if cidrs.isEmpty {
            guard let primary else { return nil }
            cidrs = [IPPrefix(host: primary)]
        }
        if cidrs.contains(where: { $0.length == 0 }) { return nil }
        var seen = Set<IPAddress>()
        return settings.interfaceAddresses.map(\.address).filter { address in
            !address.isLoopback && cidrs.contains { $0.contains(address) } && seen.insert(address).inserted
        }
    }
}
