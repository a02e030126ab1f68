import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// One iptables-nft table (`filter` or `nat`) as read from the kernel, before decoding.
public struct ReadBackTable: Sendable {
    public var name: String
    /// Every chain of the table with its rules, in kernel order.
    public var chains: [(chain: ChainInfo, rules: [RuleInfo])]

    public init(name: String, chains: [(chain: ChainInfo, rules: [RuleInfo])]) {
        self.name = name
        self.chains = chains
    }
}

extension IPTablesNFTDecoder {
    /// Decodes a whole table into the form the iptables-save parser gives a live dump of it:
    /// built-in chains first in hook order (missing ones added empty, as iptables-save shows
    /// them), then regular chains in byte order; rules in kernel order. Every rule or chain
    /// that cannot be decoded is added to `problems` (with its table, chain and position) and
    /// left out, so that one pass reports all of them.
    public func decode(_ table: ReadBackTable, problems: inout [RuleDecodingError]) -> Table {
        var chains: [Chain] = []
        chains.reserveCapacity(table.chains.count + 4)
        // In iptables-save's chain order, so that problems are reported in it too.
        let ordered = table.chains.sorted { a, b in
            switch (a.chain.base, b.chain.base) {
            case (let x?, let y?): return (x.hook.rawValue, a.chain.name) < (y.hook.rawValue, b.chain.name)
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.chain.name < b.chain.name
            }
        }
        for (info, rules) in ordered {
            let attachment: BaseChainAttachment?
            do {
                attachment = try BuiltinChainDecoding.attachment(info, table: table.name, family: family)
            } catch {
                problems.append(error)
                continue
            }
            var chain = Chain(ChainName(info.name.description), attachment: attachment)
            chain.rules.reserveCapacity(rules.count)
            for (position, rule) in rules.enumerated() {
                do {
                    chain.rules.append(try self.rule(rule.expressions))
                } catch {
                    problems.append(RuleDecodingError(family: family, table: table.name, chain: info.name.description,
                                                      rule: position + 1,
                                                      expression: error.index.map { rule.expressions[$0].description },
                                                      message: error.message))
                }
            }
            chains.append(chain)
        }
        chains += BuiltinChainDecoding.missing(from: chains, table: table.name)
        var result = Table(table.name, chains: chains)
        result.sortChains(leading: [], groupPrefix: "")
        return result
    }
}
