/// One rule: conditions in order, then an optional verdict. A rule without a verdict only
/// counts or documents (kube-proxy ends each firewall chain with a comment-only rule).
public struct Rule: Sendable, Hashable {
    public var matches: [Match]
    public var verdict: Verdict?
    /// What the rule was laid out for, when not its chain's: an entry of its table's
    /// `ProvenanceStore` (`Table.provenance(of:in:)`); none in dumps.
    public var provenanceID: ProvenanceID

    public init(_ matches: [Match], _ verdict: Verdict?, provenanceID: ProvenanceID = .none) {
        self.matches = matches
        self.verdict = verdict
        self.provenanceID = provenanceID
    }

    /// What the rule does: provenance is left out, so a compiled rule equals its dump.
    public static func == (lhs: Rule, rhs: Rule) -> Bool {
        lhs.matches == rhs.matches && lhs.verdict == rhs.verdict
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(matches)
        hasher.combine(verdict)
    }

    /// The first comment of the rule, if any.
    public var comment: Comment? {
        for match in matches {
            if case .comment(let comment) = match { return comment }
        }
        return nil
    }
}
