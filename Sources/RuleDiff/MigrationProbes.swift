import KubeProxyIPTables
import KubeProxyNFTables
import NetworkAddresses
import PacketTrace
import RuleModel
import ServiceCompiler

/// The packets a migration diff sends at each entry point, and the node they arrive at.
/// Dumps do not say which addresses are the node's: the nftables side's `nodeport-ips` and
/// the iptables side's NodePort destinations name them, else a documentation address stands
/// in. Sources are an outsider, one address inside every source prefix either side's rules
/// test (cluster CIDR, load-balancer source ranges), and the node itself.
struct MigrationProbes {
    private typealias Naming = KubeProxyNFTablesNaming

    let family: IPFamily
    /// The node's addresses NodePorts are probed at (the first is the primary).
    let nodeAddresses: [IPAddress]
    /// A local address that is none of `nodeAddresses`: where nftables mode takes no NodePorts
    /// when `nodePortAddresses` is empty and iptables mode takes them all.
    let secondaryAddress: IPAddress
    let sources: [IPAddress]
    let environment: TraceEnvironment
    /// Whether the sides are the modes' defaults for an empty `nodePortAddresses`: iptables on
    /// every local address (`-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`), nftables on the
    /// `nodeport-ips` set. Only then is a NodePort difference at another local address by design.
    let nodePortDefaultsDiffer: Bool

    init(family: IPFamily, rulesets: [Ruleset]) {
        self.family = family
        var prefixes: [IPPrefix] = []
        var nodes: [IPAddress] = []
        var iptablesOnEveryLocalAddress = false
        var nftablesOnTheSet = false
        for ruleset in rulesets where ruleset.family == family {
            for table in ruleset.tables {
                for set in table.sets where set.name == Naming.nodePortIPs {
                    for element in set.elements { if case .address(let address)? = element.key.first { nodes.append(address) } }
                }
                for chain in table.chains {
                    for rule in chain.rules {
                        for match in rule.matches {
                            switch match {
                            case .source(let address, _): prefixes.append(address.asPrefix)
                            case .inAnonymousSet(.sourceAddress, let elements, _):
                                for case .prefix(let prefix) in elements { prefixes.append(prefix) }
                            default: break
                            }
                        }
                        if case .verdictMap(_, Naming.serviceNodePorts)? = rule.verdict,
                           rule.matches.contains(.inSet(fields: [.destinationAddress], set: Naming.nodePortIPs)) {
                            nftablesOnTheSet = true
                        }
                        // iptables with nodePortAddresses: `-d NODEIP -j KUBE-NODEPORTS`.
                        if rule.verdict == .jump(KubeProxyChains.nodePorts) {
                            if rule.matches.contains(.addressType(.destination, .local)) { iptablesOnEveryLocalAddress = true }
                            for case .destination(let address, false) in rule.matches where address.asPrefix.isHost {
                                nodes.append(address.asPrefix.address)
                            }
                        }
                    }
                }
            }
        }
        nodePortDefaultsDiffer = iptablesOnEveryLocalAddress && nftablesOnTheSet
        let v4 = family == .ipv4
        let fallbackNode = IPAddress(v4 ? "192.0.2.2" : "2001:db8::2")!
        var seen = Set<IPAddress>()
        nodeAddresses = nodes.isEmpty ? [fallbackNode] : nodes.filter { seen.insert($0).inserted }
        secondaryAddress = IPAddress(v4 ? "192.0.2.254" : "2001:db8::fe")!
        let sourcePrefixes = Set(prefixes.filter { $0.family == family && !$0.isHost && !$0.address.isLoopback })
        let outsiders = (v4 ? ["198.51.100.250", "203.0.113.250", "100.64.0.250"] : ["2001:db8:ffff::250", "3fff::250"])
            .compactMap { IPAddress($0) }
        let outsider = outsiders.first { address in !sourcePrefixes.contains { $0.contains(address) } } ?? outsiders[0]
        // One address inside each prefix: its network address plus one.
        let insiders = sourcePrefixes.sorted().compactMap { MigrationProbes.firstHost(of: $0) }
        sources = [outsider] + insiders.filter { !nodes.contains($0) }
        let loopback = v4 ? IPPrefix("127.0.0.1/8")! : IPPrefix("::1/128")!
        let hostLength = v4 ? 32 : 128
        environment = TraceEnvironment(interfaceAddresses: [loopback] + (nodeAddresses + [secondaryAddress]).map {
            IPPrefix(address: $0, length: hostLength)!
        })
    }

    static func firstHost(of prefix: IPPrefix) -> IPAddress? {
        switch prefix.network.address {
        case .v4(let value): return .v4(value &+ 1)
        case .v6(let high, let low): return .v6(high, low &+ 1)
        }
    }

    /// One probe: a packet and why it was sent.
    struct Probe {
        let packet: TracePacket
        let origin: PacketOrigin
        /// Set when sides may differ here by design, saying why.
        let byDesign: String?
        var label: String {
            (origin == .node ? "from the node " : "from ") + packet.source.description + " to "
                + TracePacket.endpoint(packet.destination, packet.destinationPort)
        }
    }

    func probes(_ entry: MigrationEntryPoint) -> [Probe] {
        let key = entry.key
        var probes: [Probe] = []
        func packet(_ source: IPAddress, _ destination: IPAddress) -> TracePacket {
            TracePacket(source: source, destination: destination, proto: key.proto, destinationPort: key.port)
        }
        let destinations = key.address.map { [$0] } ?? nodeAddresses
        for destination in destinations {
            for source in sources { probes.append(Probe(packet: packet(source, destination), origin: .network, byDesign: nil)) }
            probes.append(Probe(packet: packet(nodeAddresses[0], destination), origin: .node, byDesign: nil))
        }
        if key.address == nil {
            probes.append(Probe(packet: packet(sources[0], secondaryAddress), origin: .network,
                                byDesign: nodePortDefaultsDiffer ? MigrationByDesign.nodePortAddresses : nil))
            if family == .ipv4 {
                let localhost = IPAddress("127.0.0.1")!
                probes.append(Probe(packet: packet(localhost, localhost), origin: .node, byDesign: MigrationByDesign.localhostNodePorts))
            }
        }
        return probes
    }
}

/// The differences kube-proxy's two modes have on purpose.
public enum MigrationByDesign {
    public static let nodePortAddresses = "by design: with nodePortAddresses empty, iptables mode accepts NodePorts on every "
        + "local address, nftables mode only on the node's primary IPs"
    public static let localhostNodePorts = "by design: iptables mode accepts NodePorts on 127.0.0.1 (route_localnet), "
        + "nftables mode does not"
    public static let conntrackInvalid = "by design: iptables mode drops conntrack-INVALID packets in KUBE-FORWARD, "
        + "nftables mode has no such rule"
}
