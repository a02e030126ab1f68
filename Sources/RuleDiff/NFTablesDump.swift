import KubeProxyNFTables
import NetworkAddresses
import RuleModel

/// Provenance of an nftables dump's chains and entry-point map elements, from kube-proxy's
/// chain names and its shared sets and maps (`ParsedProvenance`).
enum NFTablesDump {
    private typealias Naming = KubeProxyNFTablesNaming

    /// kube-proxy's table: per-Service-port chains by their names; elements of the maps that
    /// lead into Service ports by the chain they go to, else their comment.
    static func attribute(_ table: inout Table) {
        var ownerByName: [ChainName: ServicePortSource] = [:]
        // One source per Service port and protocol, shared by its chains.
        var sources: [Naming.Parsed.Key: ServicePortSource] = [:]
        for position in table.chains.indices {
            let chain = table.chains[position]
            if let owner = table.provenance(of: chain)?.servicePort {
                ownerByName[chain.name] = owner
                continue
            }
            guard chain.provenanceID.isNone, let parsed = Naming.parse(chain.name), let part = part(of: parsed.role) else { continue }
            let source = sources[parsed.key] ?? ServicePortSource(name: parsed.servicePort, l4Protocol: parsed.proto)
            sources[parsed.key] = source
            ownerByName[chain.name] = source
            table.setProvenance(.servicePort(source, part), ofChainAt: position)
        }

        let clusterIPs = addresses(in: table.sets.first { $0.name == Naming.clusterIPs }?.elements.map(\.key) ?? [])
        let firewalled = addresses(in: table.maps.first { $0.name == Naming.firewallIPs }?.entries.map(\.key) ?? [])
        for mapIndex in table.maps.indices {
            let map = table.maps[mapIndex].name
            let byPort = map == Naming.serviceNodePorts || map == Naming.noEndpointNodePorts
            guard byPort || map == Naming.serviceIPs || map == Naming.noEndpointServices || map == Naming.firewallIPs else { continue }
            for entryIndex in table.maps[mapIndex].entries.indices where table.maps[mapIndex].entries[entryIndex].provenanceID.isNone {
                let entry = table.maps[mapIndex].entries[entryIndex]
                let address = addresses(in: [entry.key]).first
                let proto = entry.key.lazy.compactMap { component -> L4Protocol? in
                    if case .l4Protocol(let value) = component { return value }
                    return nil
                }.first
                guard byPort || address != nil,
                      let source = entry.verdict.targetChains.lazy.compactMap({ ownerByName[$0] }).first
                        ?? Naming.servicePort(inComment: entry.comment).map({ ServicePortSource(name: $0, l4Protocol: proto) })
                else { continue }
                let kind: EntryPoint
                if byPort {
                    kind = .nodePort
                } else if clusterIPs.contains(address!) {
                    kind = .clusterIP
                } else if map == Naming.firewallIPs || firewalled.contains(address!) {
                    kind = .loadBalancerIP
                } else {
                    // One map holds both: only source ranges (the firewall map) tell a
                    // load-balancer IP apart.
                    kind = .externalOrLoadBalancerIP
                }
                table.setProvenance(.servicePort(source, .entry(kind)), ofEntry: entryIndex, inMapAt: mapIndex)
            }
        }
    }

    /// PacketPath's NetworkPolicy table: every chain is policy machinery.
    static func attributePolicyTable(_ table: inout Table) {
        for position in table.chains.indices where table.chains[position].provenanceID.isNone {
            table.setProvenance(.networkPolicy(nil), ofChainAt: position)
        }
    }

    private static func part(of role: Naming.Role) -> ServicePortPart? {
        switch role {
        case .service: return .clusterDispatch
        case .local: return .localDispatch
        case .external: return .external
        case .firewall: return .firewall
        case .endpoint: return .endpoint(-1)
        case .affinity: return nil
        }
    }

    private static func addresses(in keys: [[KeyComponent]]) -> Set<IPAddress> {
        var result = Set<IPAddress>()
        for key in keys {
            for case .address(let address) in key { result.insert(address) }
        }
        return result
    }
}
