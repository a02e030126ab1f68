/// One rule: conditions in order, then an optional verdict. A rule without a verdict only
/// counts or documents (kube-proxy ends each firewall chain with a comment-only rule).
public struct Rule: Sendable, Hashable {
    public var matches: [Match]
    public var verdict: Verdict?

    public init(_ matches: [Match], _ verdict: Verdict?) {
        self.matches = matches
        self.verdict = verdict
    }

    /// The first comment of the rule, if any.
    public var comment: Comment? {
        for match in matches {
            if case .comment(let comment) = match { return comment }
        }
        return nil
    }
}
