import KubeProxyIPTables
import KubeProxyNFTables
import NetworkAddresses
import RuleModel
import ServiceCompiler

/// A way into a Service port: an address (ClusterIP, external IP, load-balancer IP) or any
/// node address (NodePort), a protocol and a port.
struct MigrationEntryPoint: Hashable, Comparable {
    enum Kind: String, Comparable {
        case clusterIP = "ClusterIP"
        case externalIP = "external IP"
        case loadBalancerIP = "load-balancer IP"
        /// nftables mode keeps external and load-balancer IPs in one map, without saying which.
        case externalOrLoadBalancerIP = "external or load-balancer IP"
        case nodePort = "NodePort"

        static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    struct Key: Hashable, Comparable {
        let family: IPFamily
        let proto: L4Protocol
        /// nil for a NodePort.
        let address: IPAddress?
        let port: UInt16

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.family.rawValue, lhs.address?.description ?? "", lhs.proto.rawValue, lhs.port)
                < (rhs.family.rawValue, rhs.address?.description ?? "", rhs.proto.rawValue, rhs.port)
        }
    }

    let key: Key
    var servicePort: String
    var kind: Kind

    /// `ClusterIP 172.30.0.20:80/tcp`, `NodePort 30080/tcp`.
    var label: String {
        let target = key.address.map { TracePacketText.endpoint($0, key.port) } ?? String(key.port)
        return "\(kind.rawValue) \(target)/\(key.proto.rawValue)"
    }

    static func < (lhs: MigrationEntryPoint, rhs: MigrationEntryPoint) -> Bool {
        (lhs.servicePort, lhs.key) < (rhs.servicePort, rhs.key)
    }
}

enum TracePacketText {
    static func endpoint(_ address: IPAddress, _ port: UInt16) -> String {
        address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}

/// Finds the entry points a ruleset serves, from typed rules and kube-proxy's provenance:
/// the nftables maps and sets (with element comments and chain names read by
/// `KubeProxyNFTablesNaming`), or the iptables dispatch rules and their comments.
enum MigrationEntryPoints {
    static func find(_ ruleset: Ruleset) -> [MigrationEntryPoint] {
        ruleset.tables.contains { $0.family != nil } ? nftables(ruleset) : iptables(ruleset)
    }

    private typealias Naming = KubeProxyNFTablesNaming

    static func nftables(_ ruleset: Ruleset) -> [MigrationEntryPoint] {
        var found: [MigrationEntryPoint.Key: MigrationEntryPoint] = [:]
        for table in ruleset.tables where table.name == Naming.table {
            let clusterIPs = Set((table.sets.first { $0.name == Naming.clusterIPs }?.elements ?? []).compactMap { element -> IPAddress? in
                if case .address(let address)? = element.key.first { return address }
                return nil
            })
            for map in table.maps {
                let byAddress = [Naming.serviceIPs, Naming.noEndpointServices, Naming.firewallIPs].contains(map.name)
                let byPort = [Naming.serviceNodePorts, Naming.noEndpointNodePorts].contains(map.name)
                guard byAddress || byPort else { continue }
                for entry in map.entries {
                    var address: IPAddress? = nil
                    var proto: L4Protocol? = nil
                    var port: UInt16? = nil
                    for component in entry.key {
                        switch component {
                        case .address(let value): address = value
                        case .l4Protocol(let value): proto = value
                        case .port(let value): port = value
                        case .prefix: break
                        }
                    }
                    guard let proto, let port, byPort || address != nil else { continue }
                    let target = entry.verdict.targetChains.first.flatMap(Naming.parse)
                    guard let name = Naming.servicePort(inComment: entry.comment) ?? target?.servicePort else { continue }
                    let kind: MigrationEntryPoint.Kind = byPort ? .nodePort
                        : clusterIPs.contains(address!) ? .clusterIP : .externalOrLoadBalancerIP
                    let key = MigrationEntryPoint.Key(family: ruleset.family, proto: proto, address: byPort ? nil : address, port: port)
                    if found[key] == nil { found[key] = MigrationEntryPoint(key: key, servicePort: name, kind: kind) }
                }
            }
        }
        return found.values.sorted()
    }

    static func iptables(_ ruleset: Ruleset) -> [MigrationEntryPoint] {
        var found: [MigrationEntryPoint.Key: MigrationEntryPoint] = [:]
        for table in ParsedProvenance.attributed(ruleset).tables {
            for chain in table.chains {
                for rule in chain.rules {
                    // Which kind of address a rule serves is only in its comment.
                    guard case .servicePort(let source, .entry)? = rule.provenance,
                          let comment = rule.comment?.description else { continue }
                    let name = source.name
                    var address: IPAddress? = nil
                    var proto: L4Protocol? = nil
                    var port: UInt16? = nil
                    var localDestination = false
                    for match in rule.matches {
                        switch match {
                        case .destination(.host(let host), false): address = host
                        case .destination(.prefix(let prefix), false) where prefix.isHost:
                            address = prefix.address
                        case .l4Protocol(let value): proto = value
                        case .destinationPort(let range, false) where range.first == range.last: port = range.first
                        case .addressType(.destination, .local, false): localDestination = true
                        default: break
                        }
                    }
                    guard let proto, let port else { continue }
                    let kind: MigrationEntryPoint.Kind
                    if let _ = address {
                        kind = comment.hasSuffix(" cluster IP") ? .clusterIP : comment.hasSuffix(" external IP") ? .externalIP
                            : comment.hasSuffix(" loadbalancer IP") ? .loadBalancerIP : .externalOrLoadBalancerIP
                    } else if chain.name == KubeProxyChains.nodePorts || localDestination {
                        kind = .nodePort
                    } else {
                        continue
                    }
                    let key = MigrationEntryPoint.Key(family: ruleset.family, proto: proto, address: address, port: port)
                    if let existing = found[key], existing.kind != .externalOrLoadBalancerIP { continue }
                    found[key] = MigrationEntryPoint(key: key, servicePort: name, kind: kind)
                }
            }
        }
        return found.values.sorted()
    }
}
