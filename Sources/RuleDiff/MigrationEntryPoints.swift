import NetworkAddresses
import RuleModel

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

/// Finds the entry points a ruleset serves from typed rules and map elements plus their
/// provenance (the layouts set it; a dump gets it from `ParsedProvenance`): the rules of
/// iptables' shared chains and the elements of the nftables maps that lead into Service ports.
enum MigrationEntryPoints {
    static func find(_ ruleset: Ruleset) -> [MigrationEntryPoint] {
        var found: [MigrationEntryPoint.Key: MigrationEntryPoint] = [:]
        func add(_ source: ServicePortSource, _ entryPoint: EntryPoint, address: IPAddress?, proto: L4Protocol?, port: UInt16?) {
            guard let proto, let port, let kind = MigrationEntryPoint.Kind(entryPoint) else { return }
            let nodePort = kind == .nodePort
            guard nodePort || address != nil else { return }
            let key = MigrationEntryPoint.Key(family: ruleset.family, proto: proto, address: nodePort ? nil : address, port: port)
            // A precise kind wins over "external or load-balancer IP" (a filter rule's).
            if let existing = found[key], existing.kind != .externalOrLoadBalancerIP { return }
            found[key] = MigrationEntryPoint(key: key, servicePort: source.name, kind: kind)
        }
        for table in ParsedProvenance.attributed(ruleset).tables {
            for chain in table.chains {
                for rule in chain.rules {
                    guard case .servicePort(let source, .entry(let entryPoint))? = table.provenance(rule.provenanceID) else { continue }
                    var address: IPAddress? = nil
                    var proto: L4Protocol? = nil
                    var port: UInt16? = nil
                    for match in rule.matches {
                        switch match {
                        case .destination(.host(let host), false): address = host
                        case .destination(.prefix(let prefix), false) where prefix.isHost: address = prefix.address
                        case .l4Protocol(let value): proto = value
                        case .destinationPort(let range, false) where range.first == range.last: port = range.first
                        default: break
                        }
                    }
                    add(source, entryPoint, address: address, proto: proto, port: port)
                }
            }
            for map in table.maps {
                for entry in map.entries {
                    guard case .servicePort(let source, .entry(let entryPoint))? = table.provenance(entry.provenanceID) else { continue }
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
                    add(source, entryPoint, address: address, proto: proto, port: port)
                }
            }
        }
        return found.values.sorted()
    }
}

extension MigrationEntryPoint.Kind {
    /// The migration diff probes a health-check node port like a NodePort (on every node address).
    init?(_ entryPoint: EntryPoint) {
        switch entryPoint {
        case .clusterIP: self = .clusterIP
        case .externalIP: self = .externalIP
        case .loadBalancerIP: self = .loadBalancerIP
        case .externalOrLoadBalancerIP: self = .externalOrLoadBalancerIP
        case .nodePort, .healthCheckNodePort: self = .nodePort
        }
    }
}
