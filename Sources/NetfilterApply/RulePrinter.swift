import IPTablesNFTEncoding
import NetfilterNetlink
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

/// Encoding one rule of a ruleset, with errors that name the rule.
enum RuleEncoding {
    static func location(family: IPFamily, table: String, chain: ChainName, rule: Int? = nil) -> String {
        var text = "\(NetfilterFamily(family)) \(table) chain \(chain)"
        if let rule { text += " rule \(rule + 1)" }
        return text
    }

    static func encode(_ rule: Rule, index: Int, chain: ChainName, table: String, family: IPFamily,
                       encoder: inout IPTablesNFTEncoder, into scratch: inout [Expression]) throws -> NetfilterBatch.Compat {
        do {
            return try encoder.encode(rule, into: &scratch)
        } catch let error as EncodingError {
            throw ApplyError.unencodableRule(location: location(family: family, table: table, chain: chain, rule: index),
                                             rule: RulePrinter.text(rule, chain: chain, table: table, family: family),
                                             reason: error.reason)
        }
    }
}
