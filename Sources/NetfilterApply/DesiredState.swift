import IPTablesNFTEncoding
import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// The rulesets to apply, validated and indexed for encoding and comparison.
struct DesiredState {
    struct ChainRef {
        let index: Int
        let name: ObjectName
        /// Set for built-in chains.
        let base: BaseChainSpec?
    }

    struct TableRef {
        let index: Int
        let name: ObjectName
        /// The built-in chains (a handful); regular chains are read from the model as needed,
        /// so that 100,000 of them cost no second copy.
        let baseChains: [ChainRef]
        let regularNames: Set<ObjectName>
        let chainCount: Int
    }

    struct Family {
        let rulesetIndex: Int
        let ruleset: Ruleset
        let family: NetfilterFamily
        let tables: [TableRef]

        func table(named name: ObjectName) -> TableRef? { tables.first { $0.name == name } }

        var ruleCount: Int { ruleset.ruleCount }

        func chain(_ table: TableRef, _ chain: ChainRef) -> Chain {
            ruleset.tables[table.index].chains[chain.index]
        }

        /// The regular chains of a table, in model order.
        func regularChains(_ table: TableRef) -> LazyMapSequence<LazyFilterSequence<Range<Int>>, ChainRef> {
            let chains = ruleset.tables[table.index].chains
            return chains.indices.lazy.filter { chains[$0].attachment == nil }
                .map { ChainRef(index: $0, name: ObjectName(chains[$0].name), base: nil) }
        }

        func location(_ table: TableRef, _ chain: ChainRef, rule: Int? = nil) -> String {
            RuleEncoding.location(family: ruleset.family, table: ruleset.tables[table.index].name,
                                  chain: self.chain(table, chain).name, rule: rule)
        }

        /// Calls `body` with the expressions of every rule of a chain, in order, reusing one
        /// buffer.
        func forEachEncodedRule(_ table: TableRef, _ chain: ChainRef, encoder: inout IPTablesNFTEncoder,
                                scratch: inout [Expression],
                                _ body: (Int, NetfilterBatch.Compat, [Expression]) throws -> Void) throws {
            let model = self.chain(table, chain)
            let tableName = ruleset.tables[table.index].name
            for (index, rule) in model.rules.enumerated() {
                let compat = try RuleEncoding.encode(rule, index: index, chain: model.name, table: tableName,
                                                     family: ruleset.family, encoder: &encoder, into: &scratch)
                try body(index, compat, scratch)
            }
        }
    }

    let families: [Family]

    var ruleCount: Int { families.reduce(0) { $0 + $1.ruleCount } }

    var chainCount: Int { families.reduce(0) { $0 + $1.tables.reduce(0) { $0 + $1.chainCount } } }

    /// Nothing desired.
    init() {
        families = []
    }

    /// Validates the rulesets (one per family; the caller checked that).
    init(_ rulesets: [Ruleset]) throws {
        var families: [Family] = []
        for (rulesetIndex, ruleset) in rulesets.enumerated() {
            var tables: [TableRef] = []
            for (tableIndex, table) in ruleset.tables.enumerated() {
                tables.append(try Self.validate(table, index: tableIndex, family: ruleset.family))
            }
            guard Set(tables.map(\.name)).count == tables.count else {
                throw ApplyError.invalidRuleset("a table appears twice in the \(ruleset.family) ruleset")
            }
            families.append(Family(rulesetIndex: rulesetIndex, ruleset: ruleset, family: NetfilterFamily(ruleset.family),
                                   tables: tables))
        }
        self.families = families
    }

    private static func validate(_ table: Table, index: Int, family: IPFamily) throws -> TableRef {
        guard Ownership.tables.contains(table.name) else {
            throw ApplyError.invalidRuleset("table \(table.name) is not one PacketPath writes (\(Ownership.tables.joined(separator: ", ")))")
        }
        let builtins = Set(Ownership.builtinChains(of: table.name).map { ObjectName($0) })
        var baseChains: [ChainRef] = []
        var regular = Set<ObjectName>(minimumCapacity: table.chains.count)
        for (chainIndex, chain) in table.chains.enumerated() {
            let name = ObjectName(chain.name)
            guard name.byteCount <= 28 else {
                throw ApplyError.invalidRuleset("chain name \(chain.name) is longer than iptables' 28 characters")
            }
            let unique: Bool
            if let attachment = chain.attachment {
                guard builtins.contains(name), ObjectName(attachment.hook.rawValue) == name else {
                    throw ApplyError.invalidRuleset("\(table.name) base chain \(chain.name) is not the built-in chain of hook \(attachment.hook.rawValue)")
                }
                unique = !baseChains.contains { $0.name == name }
                baseChains.append(ChainRef(index: chainIndex, name: name,
                                           base: IPTablesNFTLayout.baseChain(table: table.name, attachment: attachment)))
            } else {
                guard !builtins.contains(name) else {
                    throw ApplyError.invalidRuleset("\(table.name) chain \(chain.name) has the name of a built-in chain but no hook")
                }
                unique = regular.insert(name).inserted
            }
            guard unique else {
                throw ApplyError.invalidRuleset("chain \(chain.name) appears twice in table \(table.name)")
            }
        }
        // Rules in built-in chains are recognised as PacketPath's by their target (Ownership).
        for chainRef in baseChains {
            for (ruleIndex, rule) in table.chains[chainRef.index].rules.enumerated() {
                let targets = rule.verdict.map { verdict -> [ChainName] in
                    switch verdict {
                    case .jump(let target), .goto(let target): return [target]
                    default: return []
                    }
                } ?? []
                guard let target = targets.first, regular.contains(ObjectName(target)) else {
                    throw ApplyError.invalidRuleset("\(family) \(table.name) \(chainRef.name) rule \(ruleIndex + 1) must jump to one of the ruleset's own chains")
                }
            }
        }
        return TableRef(index: index, name: ObjectName(table.name), baseChains: baseChains, regularNames: regular,
                        chainCount: table.chains.count)
    }
}
