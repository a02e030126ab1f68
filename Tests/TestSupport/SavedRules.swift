import IPTablesText
import NetworkAddresses
import RuleModel

/// What a live `iptables-save`/`ip6tables-save` dump parses to, for comparing with the rules
/// read back over netlink.
public enum SavedRules {
    /// Parses both dumps; a family whose dump holds no table (no tables in the kernel) is left out.
    public static func rulesets(ipv4: String, ipv6: String) throws -> [Ruleset] {
        var result: [Ruleset] = []
        for (family, text) in [(IPFamily.ipv4, ipv4), (.ipv6, ipv6)] where IPTablesSaveParser.looksLikeRules(text) {
            result.append(try IPTablesSaveParser(sourceName: "\(family) save", family: family).parseOne(text))
        }
        return hostsForFullLengthPrefixes(result)
    }

    /// iptables-save prints every host with `/32` (`/128`), which the parser keeps as a prefix
    /// because a restore file may spell it either way; the kernel keeps no such difference and
    /// the read-back gives a host. This is the only normalisation between the two.
    public static func hostsForFullLengthPrefixes(_ rulesets: [Ruleset]) -> [Ruleset] {
        func host(_ address: AddressMatch) -> AddressMatch {
            if case .prefix(let prefix) = address, prefix.isHost { return .host(prefix.address) }
            return address
        }
        return rulesets.map { ruleset in
            var ruleset = ruleset
            for t in ruleset.tables.indices {
                for c in ruleset.tables[t].chains.indices {
                    for r in ruleset.tables[t].chains[c].rules.indices {
                        ruleset.tables[t].chains[c].rules[r].matches = ruleset.tables[t].chains[c].rules[r].matches.map { match in
                            switch match {
                            case .source(let address, let negated): return .source(host(address), negated: negated)
                            case .destination(let address, let negated): return .destination(host(address), negated: negated)
                            default: return match
                            }
                        }
                    }
                }
            }
            return ruleset
        }
    }

    /// The first chain (or table) where two lists of rulesets differ, for failure messages.
    public static func firstDifference(_ actual: [Ruleset], _ expected: [Ruleset]) -> String {
        guard actual.map(\.family) == expected.map(\.family) else {
            return "families \(actual.map(\.family)) vs \(expected.map(\.family))"
        }
        for (a, e) in zip(actual, expected) {
            guard a.tables.map(\.name) == e.tables.map(\.name) else {
                return "\(a.family) tables \(a.tables.map(\.name)) vs \(e.tables.map(\.name))"
            }
            for (ta, te) in zip(a.tables, e.tables) {
                guard ta.chains.map(\.name) == te.chains.map(\.name) else {
                    return "\(a.family) \(ta.name) chains \(ta.chains.map(\.name.description)) vs \(te.chains.map(\.name.description))"
                }
                for (ca, ce) in zip(ta.chains, te.chains) where ca != ce {
                    if ca.attachment != ce.attachment {
                        return "\(a.family) \(ta.name) \(ca.name): attachment \(String(describing: ca.attachment)) vs \(String(describing: ce.attachment))"
                    }
                    for (index, (ra, re)) in zip(ca.rules, ce.rules).enumerated() where ra != re {
                        return "\(a.family) \(ta.name) \(ca.name) rule \(index + 1):\n  read back: \(ra)\n  saved:     \(re)"
                    }
                    return "\(a.family) \(ta.name) \(ca.name): \(ca.rules.count) vs \(ce.rules.count) rules"
                }
            }
        }
        return "none"
    }
}
