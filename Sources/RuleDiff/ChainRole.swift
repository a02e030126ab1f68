import RuleModel

/// What a chain is for in kube-proxy's layout, read from its name.
public enum ChainRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// KUBE-SVC-: cluster-policy dispatch to endpoints.
    case service
    /// KUBE-SVL-: local-policy dispatch.
    case local
    /// KUBE-EXT-: external traffic.
    case external
    /// KUBE-FW-: load-balancer source ranges.
    case firewall
    /// KUBE-SEP-: one endpoint.
    case endpoint

    static let prefixes: [(String, ChainRole)] = [
        ("KUBE-SVC-", .service), ("KUBE-SVL-", .local), ("KUBE-EXT-", .external),
        ("KUBE-FW-", .firewall), ("KUBE-SEP-", .endpoint),
    ]

    /// The role and hash suffix of a per-service chain name, nil for any other chain.
    static func of(_ name: ChainName) -> (ChainRole, String)? {
        let text = name.description
        for (prefix, role) in prefixes where text.hasPrefix(prefix) {
            return (role, String(text.dropFirst(prefix.count)))
        }
        return nil
    }

    var isDispatch: Bool { self == .service || self == .local }
}
