import IPTablesText
import NetworkAddresses
import RuleModel

/// A rule in `iptables-save` form, for error messages.
enum RulePrinter {
    static func text(_ rule: Rule, chain: ChainName, table: String, family: IPFamily) -> String {
        let single = Ruleset(family: family, tables: [Table(table, chains: [Chain(chain, rules: [rule])])])
        if let text = try? IPTablesTextWriter().text(single),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("-A ") }) {
            return String(line)
        }
        return "-A \(chain) \(rule)"
    }
}
