import IPTablesText
import NetworkAddresses
import RuleModel

/// A rule in the form the kernel keeps it, for comparing two rulesets: `key` is equal for
/// two rules exactly when they program the same thing (hosts as /32 or /128, prefixes masked,
/// probabilities as the stored 31-bit fraction, MARK as value/mask, REJECT with its default
/// spelled out, conntrack states as a set, match modules in a fixed order); `text` is the rule
/// as iptables-save prints it, for reports.
struct RuleKey: Hashable, Sendable {
    let key: String
    let text: String

    init(_ rule: Rule, family: IPFamily) {
        text = (try? IPTablesSaveWriter.ruleText(rule, family: family)) ?? "\(rule)"
        var canonical = rule
        // Match order does not change what a rule matches, except among statistic and recent
        // matches (a draw or a list update happens only when the earlier matches held).
        let indexed = rule.matches.enumerated().map { ($0.offset, $0.element) }
        canonical.matches = indexed.sorted { lhs, rhs in
            let (l, r) = (RuleKey.rank(lhs.1), RuleKey.rank(rhs.1))
            return l != r ? l < r : lhs.0 < rhs.0
        }.map(\.1)
        key = (try? IPTablesSaveWriter.ruleText(canonical, family: family)) ?? text
    }

    // Equal by what the kernel holds: two spellings of one rule are the same rule.
    static func == (lhs: RuleKey, rhs: RuleKey) -> Bool { lhs.key == rhs.key }
    func hash(into hasher: inout Hasher) { hasher.combine(key) }

    private static func rank(_ match: Match) -> Int {
        switch match {
        case .source: return 0
        case .destination, .interface: return 1
        case .l4Protocol: return 2
        case .sourcePort, .destinationPort: return 3
        case .comment: return 4
        case .addressType: return 5
        case .conntrackState: return 6
        case .mark: return 7
        case .inSet, .inAnonymousSet, .unrecognized: return 8
        // Updates record state, so like draws they stay where they were.
        case .statistic, .recent, .updateSet: return 9
        }
    }
}
