import RuleModel

/// What a Service port's own chain is for in kube-proxy's layout.
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

    /// The role of a chain laid out for `part`; nil for rules in shared chains.
    init?(_ part: ServicePortPart) {
        switch part {
        case .entry: return nil
        case .clusterDispatch: self = .service
        case .localDispatch: self = .local
        case .external: self = .external
        case .firewall: self = .firewall
        case .endpoint: self = .endpoint
        }
    }

    var isDispatch: Bool { self == .service || self == .local }
}
