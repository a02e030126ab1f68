import NetfilterNetlink
import NetworkAddresses
import RuleModel

extension IPTablesNFTDecoder {
    /// Decodes one chain of `table` as the kernel holds it, with its rules in order. Every rule
    /// (or the chain itself) that cannot be decoded is added to `problems` with its table,
    /// chain and position and left out, so that one pass reports all of them; nil when the
    /// chain itself cannot be.
    public func decode(chain info: ChainInfo, rules: [RuleInfo], table: String,
                       problems: inout [RuleDecodingError]) -> Chain? {
        let attachment: BaseChainAttachment?
        do {
            attachment = try BuiltinChainDecoding.attachment(info, table: table, family: family)
        } catch {
            problems.append(error)
            return nil
        }
        var chain = Chain(ChainName(info.name.description), attachment: attachment)
        chain.rules.reserveCapacity(rules.count)
        for (position, rule) in rules.enumerated() {
            do {
                chain.rules.append(try self.rule(rule.expressions))
            } catch {
                problems.append(RuleDecodingError(family: family, table: table, chain: info.name.description,
                                                  rule: position + 1,
                                                  expression: error.index.map { rule.expressions[$0].description },
                                                  message: error.message))
            }
        }
        return chain
    }

    /// A table of decoded chains in the form the iptables-save parser gives a live dump of it:
    /// built-in chains first in hook order (missing ones added empty, as iptables-save shows
    /// them), then regular chains in byte order.
    public func table(_ name: String, chains: [Chain]) -> Table {
        var table = Table(name, chains: chains + BuiltinChainDecoding.missing(from: chains, table: name))
        table.sortChains(leading: [], groupPrefix: "")
        return table
    }

    /// Chains in iptables-save's order (base chains by hook, then by name), so that problems
    /// are reported in that order too.
    public static func saveOrder(_ a: ChainInfo, _ b: ChainInfo) -> Bool {
        switch (a.base, b.base) {
        case (let x?, let y?): return (x.hook.rawValue, a.name) < (y.hook.rawValue, b.name)
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a.name < b.name
        }
    }
}
