import NetfilterNetlink
import RuleModel

/// Kernel objects back into a rule-model table: the inverse of `NFTablesEncoder` for every
/// rule, set and map the layouts write, so that a namespace's nftables tables read over
/// netlink compare, trace and diff as the typed rules they were compiled from.
///
/// Chains keep the order they are given in (the kernel's: creation order); set and map
/// elements come out in key order. A rule or set the model cannot hold fails the whole
/// table, listing each.
public struct NFTablesDecoder {
    public init() {}

    public func table(from program: NFTablesProgram) throws(NFTablesDecodingError) -> Table {
        let tableFamily: TableFamily
        switch program.family {
        case .ipv4: tableFamily = .ip
        case .ipv6: tableFamily = .ip6
        case .inet: tableFamily = .inet
        }
        let place = "\(tableFamily.rawValue) \(program.table)"
        var problems: [NFTablesDecodingError.Problem] = []
        var chains: [Chain] = []
        chains.reserveCapacity(program.chains.count)
        var chainIndex: [ObjectName: Int] = [:]
        for chain in program.chains {
            var attachment: BaseChainAttachment?
            if let base = chain.base {
                guard let type = ChainType(rawValue: base.type) else {
                    problems.append(.init(place: "chain \(chain.name)", message: "chain type \(base.type) is not in the model"))
                    continue
                }
                attachment = BaseChainAttachment(hook: Self.hook(base.hook), priority: ChainPriority(absolute: base.priority),
                                                 type: type, policyAccepts: base.policyAccepts)
            }
            chainIndex[chain.name] = chains.count
            chains.append(Chain(chainName(chain.name), attachment: attachment, comment: chain.comment))
        }

        let rules = RuleDecoder(family: program.family)
        var positions: [ObjectName: Int] = [:]
        for rule in program.rules {
            positions[rule.chain, default: 0] += 1
            guard let index = chainIndex[rule.chain] else {
                problems.append(.init(place: "chain \(rule.chain)", message: "a rule of a chain that was not read"))
                continue
            }
            do {
                let comment = rule.userData.flatMap(NetfilterUserData.comment(in:))
                chains[index].rules.append(try rules.decode(rule.expressions, anonymousSets: rule.anonymousSets, comment: comment))
            } catch {
                problems.append(.init(place: "chain \(rule.chain) rule \(positions[rule.chain]!)", message: error.message,
                                      expressions: rule.expressions.map(\.description).joined(separator: " ")))
            }
        }

        let decoder = SetDecoder(family: program.family)
        var sets: [NamedSet] = []
        var maps: [VerdictMap] = []
        for definition in program.sets {
            do {
                switch try decoder.decode(definition) {
                case .set(let set): sets.append(set)
                case .map(let map): maps.append(map)
                }
            } catch {
                problems.append(.init(place: "\(definition.set.flags.contains(.map) ? "map" : "set") \(definition.set.name)",
                                      message: error.message))
            }
        }
        guard problems.isEmpty else { throw NFTablesDecodingError(table: place, problems: problems) }
        var table = Table(program.table.description, chains: chains, sets: sets, maps: maps, family: tableFamily,
                          comment: program.tableComment)
        table.inferSetFields()
        return table
    }

    private static func hook(_ hook: BaseChainSpec.Hook) -> Hook {
        switch hook {
        case .prerouting: return .prerouting
        case .input: return .input
        case .forward: return .forward
        case .output: return .output
        case .postrouting: return .postrouting
        }
    }
}
