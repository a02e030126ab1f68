/// A Service's DNS name read the way cluster DNS answers it for a client Pod: the Pod's
/// search path is `<ns>.svc.<domain> svc.<domain> <domain>`, so `web` is `web.<ns>`, `web.shop`
/// and `web.shop.svc` complete to `web.shop.svc.<domain>`, which names Service shop/web.
public struct ServiceDNSName: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var namespace: String
    public var clusterDomain: String

    /// `name.namespace.svc.<domain>`.
    public var fqdn: String { "\(name).\(namespace).svc.\(clusterDomain)" }
    public var key: String { "\(namespace)/\(name)" }
    public var description: String { fqdn }

    public static let defaultClusterDomain = "cluster.local"

    public init(name: String, namespace: String, clusterDomain: String = ServiceDNSName.defaultClusterDomain) {
        self.name = name
        self.namespace = namespace
        self.clusterDomain = clusterDomain
    }

    /// Reads `name`, `name.namespace`, `name.namespace.svc` or the full name (which may end in a
    /// dot; a shorter name with a dot at the end skips the search path, so names nothing). A
    /// bare `name` is looked up in `clientNamespace`, which must then be known.
    public init(parsing text: String, clientNamespace: String?, clusterDomain: String = ServiceDNSName.defaultClusterDomain) throws {
        let domain = clusterDomain.lowercased().trimmingDots()
        var rest = text.lowercased()
        // A trailing dot makes the name absolute: the search path is not applied.
        let absolute = rest.hasSuffix(".")
        if absolute { rest.removeLast() }
        if rest.hasSuffix(".svc." + domain) {
            rest.removeLast(domain.count + 5)
        } else if absolute {
            throw ServiceNameError.malformed(text, clusterDomain: domain)
        } else if rest.hasSuffix(".svc") {
            rest.removeLast(4)
        }
        let labels = rest.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !labels.contains(where: \.isEmpty) else { throw ServiceNameError.malformed(text, clusterDomain: domain) }
        switch labels.count {
        case 1:
            guard let clientNamespace else { throw ServiceNameError.needsNamespace(text) }
            self.init(name: labels[0], namespace: clientNamespace, clusterDomain: domain)
        case 2:
            self.init(name: labels[0], namespace: labels[1], clusterDomain: domain)
        default:
            throw ServiceNameError.malformed(text, clusterDomain: domain)
        }
    }
}

public enum ServiceNameError: Error, Sendable, CustomStringConvertible {
    case needsNamespace(String)
    case malformed(String, clusterDomain: String)
    case unknown(ServiceDNSName, suggestions: [String])

    public var description: String {
        switch self {
        case .needsNamespace(let name):
            return "\(quoted(name)) is a bare Service name: cluster DNS completes it with the client Pod's namespace; "
                + "give --from-pod ns/name or --namespace NS, or write \(name).NAMESPACE"
        case .malformed(let name, let domain):
            return "\(quoted(name)) is not a Service name: expected name, name.namespace, name.namespace.svc or "
                + "name.namespace.svc.\(domain) (the cluster domain; --cluster-domain to change it)"
        case .unknown(let name, let suggestions):
            let hint = suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: " or "))?"
            return "no Service \(name.key) in the manifests (\(name.fqdn) does not resolve)\(hint)"
        }
    }
}

func quoted(_ text: String) -> String { "\"\(text)\"" }

extension String {
    func trimmingDots() -> String {
        String(drop(while: { $0 == "." }).reversed().drop(while: { $0 == "." }).reversed())
    }
}
