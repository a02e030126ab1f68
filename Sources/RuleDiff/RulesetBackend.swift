import RuleModel

/// Which proxy mode a set of rules comes from: nftables tables carry their own family
/// (`table ip kube-proxy`), iptables tables do not.
public enum RulesetBackend: String, Sendable, Hashable, Codable {
    case iptables, nftables

    public static func of(_ rulesets: [Ruleset]) -> RulesetBackend? {
        let tables = rulesets.flatMap(\.tables)
        guard !tables.isEmpty else { return nil }
        return tables.contains { $0.family != nil } ? .nftables : .iptables
    }
}
