import Foundation
import Testing
import ClusterState
import IPTablesText
import PacketPath
import RuleDiff
import RuleModel
import TestSupport

/// The review tools attribute rules by provenance: compiled rules carry it from their layout,
/// and a dump read back gets the same from `ParsedProvenance`, worked out in that one place.
@Suite struct ProvenanceAttributionTests {
    private func example() throws -> ClusterState {
        let text = try String(contentsOfFile: SharedCases.example, encoding: .utf8)
        return try ManifestLoader.load(sources: [ManifestSource(name: "shop.yaml", text: text)]).state
    }

    /// What a chain or rule is attributed to, as far as a dump can tell (a dump cannot know
    /// an endpoint's position or which policy a pod chain serves).
    private func summary(_ provenance: Provenance?) -> String {
        switch provenance {
        case .servicePort(let source, let part)?:
            let role: String
            if case .endpoint = part { role = "endpoint" } else { role = "\(part)" }
            return "\(source.name) \(source.l4Protocol?.rawValue ?? "?") \(role)"
        case .networkPolicy?: return "policy"
        case nil: return "-"
        }
    }

    /// Every chain's and every rule's attribution, `table chain [rule]`.
    private func attribution(_ ruleset: Ruleset) -> [String: String] {
        var result: [String: String] = [:]
        for table in ruleset.tables {
            for chain in table.chains {
                result["\(table.name) \(chain.name)"] = summary(chain.provenance)
                for (index, rule) in chain.rules.enumerated() {
                    result["\(table.name) \(chain.name) \(index + 1)"] = summary(chain.provenance(of: rule))
                }
            }
        }
        return result
    }

    /// The rules as a live node's `iptables-save` shows them, parsed back.
    private func readBack(_ ruleset: Ruleset) throws -> Ruleset {
        try IPTablesSaveParser(family: ruleset.family).parseOne(try IPTablesSaveWriter().text(ruleset))
    }

    @Test func compiledRulesCarryTheirServicePortAndEndpoint() throws {
        let ruleset = Pipeline.compile(try example(), families: [.ipv4])[0]
        let nat = ruleset[table: "nat"]!
        let dispatch = nat.chains.filter { $0.provenance?.servicePortPart == .clusterDispatch }
        #expect(!dispatch.isEmpty)
        for chain in dispatch {
            // Each dispatch rule jumps to an endpoint chain of the same Service port, whose
            // index is the endpoint's position: the dispatch order.
            let targets = chain.rules.compactMap { rule -> Chain? in
                guard case .jump(let target)? = rule.verdict else { return nil }
                return nat.chain(named: target)
            }.filter { $0.provenance?.servicePort == chain.provenance?.servicePort }
            #expect(!targets.isEmpty, "\(chain.name) dispatches to its own endpoints")
            // Endpoint positions follow the endpoints' byte order, as the plan sorts them.
            var endpointByIndex: [Int32: String] = [:]
            for target in targets {
                guard case .endpoint(let index)? = target.provenance?.servicePortPart,
                      case .dnat(let address, let port)? = target.rules.last?.verdict else {
                    Issue.record("\(target.name) is no endpoint chain")
                    continue
                }
                endpointByIndex[index] = "\(address):\(port ?? 0)"
            }
            #expect(!endpointByIndex.keys.contains(-1))
            let inIndexOrder = endpointByIndex.keys.sorted().map { endpointByIndex[$0]! }
            #expect(inIndexOrder == inIndexOrder.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        }
        // kube-proxy's fixed chains belong to no Service port; KUBE-SERVICES rules each to one.
        #expect(nat.chain(named: "KUBE-MARK-MASQ")?.provenance == nil)
        let services = nat.chain(named: "KUBE-SERVICES")!
        let owned = services.rules.filter { $0.provenance?.servicePort != nil }
        #expect(!owned.isEmpty)
        #expect(services.rules.filter { $0.provenance == nil }.allSatisfy { $0.verdict == .jump("KUBE-NODEPORTS") },
                "all but the NodePort dispatch at the end")
        for rule in owned {
            #expect(rule.comment!.description.hasPrefix(rule.provenance!.servicePort!.name + " "))
        }
        // PacketPath's policy chains, and each policy rule with the rule it stands for.
        let filter = ruleset[table: "filter"]!
        let policy = filter.chains.filter { $0.provenance?.isNetworkPolicy == true }
        #expect(!policy.isEmpty && policy.allSatisfy { $0.name.hasPrefix("PP-") })
        #expect(filter.chains.filter { $0.name.hasPrefix("PP-") }.count == policy.count)
        let allowRules = policy.flatMap(\.rules).compactMap { rule -> PolicySource? in
            guard case .networkPolicy(let source?)? = rule.provenance else { return nil }
            return source
        }
        #expect(!allowRules.isEmpty && allowRules.allSatisfy { !$0.isPod && $0.ruleIndex != nil })
    }

    @Test func aDumpReadBackIsAttributedAsItsCompiledRules() throws {
        let compiled = Pipeline.compile(try example(), families: [.ipv4])[0]
        let parsed = try readBack(compiled)
        #expect(parsed.tables.allSatisfy { $0.chains.allSatisfy { $0.provenance == nil } }, "a dump carries none")
        let expected = attribution(compiled)
        let derived = attribution(ParsedProvenance.attributed(parsed))
        for key in expected.keys.sorted() where derived[key] != expected[key] {
            Issue.record("\(key): compiled \(expected[key]!), read back \(derived[key] ?? "missing")")
        }
        // A dump also lists the empty built-in chains the model leaves out: nobody's.
        #expect(derived.filter { expected[$0.key] == nil }.allSatisfy { $0.value == "-" })
        // Compiled rules pass through unchanged.
        #expect(attribution(ParsedProvenance.attributed(compiled)) == expected)
    }

    @Test func chainsWithoutCommentsAreNamedByTheirHash() throws {
        let state = try example()
        let compiled = Pipeline.compile(state, families: [.ipv4])[0]
        var stripped = try readBack(compiled)
        for table in stripped.tables.indices {
            for chain in stripped.tables[table].chains.indices {
                for rule in stripped.tables[table].chains[chain].rules.indices {
                    stripped.tables[table].chains[chain].rules[rule].matches.removeAll {
                        if case .comment = $0 { return true } else { return false }
                    }
                }
            }
        }
        let derived = ParsedProvenance.attributed(stripped, names: ServicePortNames(Review.servicePortNames(state)))
        for (table, compiledTable) in zip(derived.tables, compiled.tables) {
            for chain in compiledTable.chains {
                #expect(summary(table.chain(named: chain.name)?.provenance) == summary(chain.provenance), "\(table.name) \(chain.name)")
            }
        }
    }
}
