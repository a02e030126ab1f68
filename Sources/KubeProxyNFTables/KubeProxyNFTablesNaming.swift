import Foundation
import RuleModel

/// How kube-proxy's nftables mode names things, in both directions: the layout builds names
/// with these prefixes, and the review tools read a Service port back out of a chain name or
/// an element comment. The one place that knows `service-HASH-ns/name/proto/port`.
public enum KubeProxyNFTablesNaming {
    /// What a per-Service-port chain (or affinity set) is for.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case service, local, external, firewall, endpoint, affinity
    }

    static let servicePrefix: StaticString = "service-"
    static let localPrefix: StaticString = "local-"
    static let externalPrefix: StaticString = "external-"
    static let firewallPrefix: StaticString = "firewall-"
    static let endpointPrefix: StaticString = "endpoint-"
    static let affinityPrefix: StaticString = "affinity-"

    /// The table kube-proxy owns in each family (`ip kube-proxy`, `ip6 kube-proxy`).
    public static var table: String { NFTablesNames.table }

    // The shared sets and maps the review tools read.
    public static var clusterIPs: ChainName { NFTablesNames.clusterIPs }
    public static var nodePortIPs: ChainName { NFTablesNames.nodePortIPs }
    public static var serviceIPs: ChainName { NFTablesNames.serviceIPs }
    public static var serviceNodePorts: ChainName { NFTablesNames.serviceNodePorts }
    public static var firewallIPs: ChainName { NFTablesNames.firewallIPs }
    public static var noEndpointServices: ChainName { NFTablesNames.noEndpointServices }
    public static var noEndpointNodePorts: ChainName { NFTablesNames.noEndpointNodePorts }

    /// A Service port read from a name: its `namespace/name:port` (`namespace/name` for an
    /// unnamed port), protocol, and for endpoint chains and affinity sets the endpoint.
    public struct Parsed: Sendable, Hashable {
        public var role: Role
        public var servicePort: String
        public var proto: L4Protocol
        /// `IP/PORT` as the name spells it (IPv6 colons as dots); endpoint and affinity only.
        public var endpoint: String?

        /// The Service port and protocol, which every chain of the port shares.
        public struct Key: Sendable, Hashable {
            public var servicePort: String
            public var proto: L4Protocol
        }

        public var key: Key { Key(servicePort: servicePort, proto: proto) }
    }

    /// Reads `PREFIX-HASH8-ns/name/proto/port[__ip/port]`; nil for any other name and for names
    /// kube-proxy truncated (ending in `...`), whose Service port must come from comments.
    public static func parse(_ name: ChainName) -> Parsed? {
        let text = name.description
        let prefixes: [(StaticString, Role)] = [
            (servicePrefix, .service), (localPrefix, .local), (externalPrefix, .external), (firewallPrefix, .firewall),
            (endpointPrefix, .endpoint), (affinityPrefix, .affinity),
        ]
        guard let (prefix, role) = prefixes.first(where: { text.hasPrefix($0.0.description) }), !text.hasSuffix("...") else {
            return nil
        }
        let rest = text.dropFirst(prefix.utf8CodeUnitCount)
        // HASH is 8 base32 characters, then `-`.
        guard rest.count > 9, rest.dropLast(rest.count - 9).last == "-" else { return nil }
        var base = rest.dropFirst(9)
        var endpoint: String? = nil
        if role == .endpoint || role == .affinity {
            guard let split = base.range(of: "__") else { return nil }
            endpoint = String(base[split.upperBound...])
            base = base[..<split.lowerBound]
        }
        let parts = base.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, !parts[0].isEmpty, !parts[1].isEmpty, let proto = L4Protocol(rawValue: String(parts[2])) else {
            return nil
        }
        let servicePort = parts[0] + "/" + parts[1] + (parts[3].isEmpty ? "" : ":" + parts[3])
        return Parsed(role: role, servicePort: String(servicePort), proto: proto, endpoint: endpoint)
    }

    /// The Service port an element comment names (kube-proxy writes `namespace/name:port`).
    public static func servicePort(inComment comment: String?) -> String? {
        guard let comment, !comment.contains(" ") else { return nil }
        let parts = comment.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return comment
    }
}
