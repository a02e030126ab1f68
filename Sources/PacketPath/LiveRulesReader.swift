import RuleModel

/// Reads the rules a live network namespace holds, for `netns:NAME` inputs.
public protocol LiveRulesReader: Sendable {
    /// One ruleset per IP family that has tables in the namespace.
    func rulesets(namespace: String) throws -> [Ruleset]
}
