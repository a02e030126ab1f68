import NetworkAddresses
import RuleModel

/// The part of kube-proxy's table that does not depend on Services: base chains and their
/// jumps, the dispatch chains, masquerading, and the shared sets and maps (without elements).
struct StaticLayout {
    let settings: LayoutSettings

    private typealias Names = NFTablesNames

    /// Firewall checks must see the destination before DNAT (`dstnat - 10`); cluster-IP checks
    /// in output run after it (`dstnat + 10`), so they only see what was not DNATed.
    static let beforeDNAT = ChainPriority(.dstnat, offset: -10)
    static let afterDNAT = ChainPriority(.dstnat, offset: 10)

    var chains: [Chain] {
        let newConnections = Match.conntrackState([.new])
        func jumps(_ targets: ChainName...) -> [Rule] { targets.map { Rule([newConnections], .jump($0)) } }
        func base(_ type: ChainType, _ hook: Hook, _ priority: ChainPriority) -> BaseChainAttachment {
            BaseChainAttachment(hook: hook, priority: priority, type: type)
        }
        let mark = settings.mark
        return [
            Chain(Names.filterPrerouting, rules: jumps(Names.firewallCheck),
                  attachment: base(.filter, .prerouting, Self.beforeDNAT)),
            Chain(Names.filterInput, rules: jumps(Names.nodePortEndpointsCheck, Names.serviceEndpointsCheck),
                  attachment: base(.filter, .input, Self.beforeDNAT)),
            Chain(Names.filterForward, rules: jumps(Names.serviceEndpointsCheck, Names.clusterIPsCheck),
                  attachment: base(.filter, .forward, Self.beforeDNAT)),
            Chain(Names.filterOutput, rules: jumps(Names.serviceEndpointsCheck, Names.firewallCheck),
                  attachment: base(.filter, .output, Self.beforeDNAT)),
            Chain(Names.filterOutputPostDNAT, rules: jumps(Names.clusterIPsCheck),
                  attachment: base(.filter, .output, Self.afterDNAT)),
            Chain(Names.natPrerouting, rules: [Rule([], .jump(Names.services))],
                  attachment: base(.nat, .prerouting, ChainPriority(.dstnat))),
            Chain(Names.natOutput, rules: [Rule([], .jump(Names.services))],
                  attachment: base(.nat, .output, ChainPriority(.dstnat))),
            Chain(Names.natPostrouting, rules: [Rule([], .jump(Names.masquerading))],
                  attachment: base(.nat, .postrouting, ChainPriority(.srcnat))),

            Chain(Names.services, rules: [
                Rule([], .verdictMap(fields: Self.addressKey, map: Names.serviceIPs)),
                Rule(nodePortMatches, .verdictMap(fields: Self.portKey, map: Names.serviceNodePorts)),
            ]),
            Chain(Names.markForMasquerade, rules: [Rule([], .setMark(.or(mark)))]),
            Chain(Names.masquerading, rules: [
                // Packets without the bit are not ours to masquerade.
                Rule([.mark(MarkValue(0, spelling: "0"), mask: mark)], .return),
                // Clear the bit so it cannot leak into a re-routed or re-entering packet.
                Rule([], .setMark(.xor(mark))),
                Rule([], .masquerade(randomFully: true)),
            ]),
            Chain(Names.serviceEndpointsCheck, rules: [
                Rule([], .verdictMap(fields: Self.addressKey, map: Names.noEndpointServices)),
            ]),
            Chain(Names.nodePortEndpointsCheck, rules: [
                // Only on the input hook: the destination is local already.
                Rule(settings.nodePortIPs == nil ? noLoopbackDestination : nodePortIPsLookup,
                     .verdictMap(fields: Self.portKey, map: Names.noEndpointNodePorts)),
            ]),
            Chain(Names.firewallCheck, rules: [
                Rule([], .verdictMap(fields: Self.addressKey, map: Names.firewallIPs)),
            ]),
            Chain(Names.clusterIPsCheck, rules: [
                // A ClusterIP on a port no Service has (no Service CIDRs are known, so there is no
                // rule for unallocated ClusterIPs).
                Rule([.inSet(fields: [.destinationAddress], set: Names.clusterIPs),
                      .comment("Reject traffic to invalid ports of ClusterIPs")], .reject()),
            ]),
            Chain(Names.rejectChain, rules: [Rule([], .reject())],
                  comment: "helper for @no-endpoint-services / @no-endpoint-nodeports"),
        ]
    }

    /// Destination address . protocol . port: how ClusterIPs, external IPs and LB IPs are looked up.
    static let addressKey: [PacketField] = [.destinationAddress, .l4Protocol, .destinationPort]
    /// Protocol . port: how NodePorts are looked up.
    static let portKey: [PacketField] = [.l4Protocol, .destinationPort]

    private var nodePortIPsLookup: [Match] {
        [.inSet(fields: [.destinationAddress], set: Names.nodePortIPs)]
    }

    /// Loopback destinations never reach NodePorts (nftables mode has no localhost NodePorts).
    private var noLoopbackDestination: [Match] {
        let loopback = settings.family == .ipv4 ? IPPrefix("127.0.0.0/8")! : IPPrefix("::1/128")!
        return [.destination(settings.family == .ipv4 ? .prefix(loopback) : .host(loopback.address), negated: true)]
    }

    /// Which destinations the NodePort map applies to in `services`.
    private var nodePortMatches: [Match] {
        guard settings.nodePortIPs != nil else {
            return [.addressType(.destination, .local)] + noLoopbackDestination
        }
        return nodePortIPsLookup
    }

    var sets: [NamedSet] {
        let address = SetDataType.address(settings.family)
        var sets = [NamedSet(name: Names.clusterIPs, fields: [.destinationAddress], keyTypes: [address],
                             comment: "Active ClusterIPs")]
        if let nodePortIPs = settings.nodePortIPs {
            sets.append(NamedSet(name: Names.nodePortIPs, fields: [.destinationAddress], keyTypes: [address],
                                 elements: nodePortIPs.map { SetElement([.address($0)]) },
                                 comment: "IPs that accept NodePort traffic"))
        }
        return sets
    }

    var maps: [VerdictMap] {
        let addressKey: [SetDataType] = [.address(settings.family), .inetProto, .inetService]
        let portKey: [SetDataType] = [.inetProto, .inetService]
        return [
            VerdictMap(name: Names.serviceIPs, fields: Self.addressKey, keyTypes: addressKey,
                       comment: "ClusterIP, ExternalIP and LoadBalancer IP traffic"),
            VerdictMap(name: Names.serviceNodePorts, fields: Self.portKey, keyTypes: portKey,
                       comment: "NodePort traffic"),
            VerdictMap(name: Names.firewallIPs, fields: Self.addressKey, keyTypes: addressKey,
                       comment: "destinations that are subject to LoadBalancerSourceRanges"),
            VerdictMap(name: Names.noEndpointServices, fields: Self.addressKey, keyTypes: addressKey,
                       comment: "vmap to drop or reject packets to services with no endpoints"),
            VerdictMap(name: Names.noEndpointNodePorts, fields: Self.portKey, keyTypes: portKey,
                       comment: "vmap to drop or reject packets to service nodeports with no endpoints"),
        ]
    }
}
