import Foundation
import Testing
import ClusterState
import IPTablesText
import NFTText
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

    /// What a chain, rule or map element is attributed to, as far as a dump can tell (a dump
    /// cannot know an endpoint's position or which policy a pod chain serves).
    private func summary(_ provenance: Provenance?) -> String {
        switch provenance {
        case .servicePort(let source, let part)?:
            let role: String
            switch part {
            case .endpoint: role = "endpoint"
            case .entry(let entryPoint): role = "entry \(entryPoint.rawValue)"
            default: role = "\(part)"
            }
            return "\(source.name) \(source.l4Protocol?.rawValue ?? "?") \(role)"
        case .networkPolicy?: return "policy"
        case nil: return "-"
        }
    }

    /// Every chain's, rule's and map element's attribution: `table chain [rule]`, `table map element`.
    private func attribution(_ ruleset: Ruleset) -> [String: String] {
        var result: [String: String] = [:]
        for table in ruleset.tables {
            for chain in table.chains {
                result["\(table.name) \(chain.name)"] = summary(table.provenance(of: chain))
                for (index, rule) in chain.rules.enumerated() {
                    result["\(table.name) \(chain.name) \(index + 1)"] = summary(table.provenance(of: rule, in: chain))
                }
            }
            for map in table.maps {
                for entry in map.entries {
                    result["\(table.name) \(map.name) \(entry.key)"] = summary(table.provenance(entry.provenanceID))
                }
            }
        }
        return result
    }

    /// A dump cannot tell an external IP from a load-balancer IP where kube-proxy writes
    /// nothing that does (a filter rule for a port without endpoints; nftables' service-ips map
    /// without source ranges): it says "external or load-balancer IP" there, and nothing else differs.
    private func expectSameAttribution(compiled: Ruleset, readBack: Ruleset) {
        let expected = attribution(compiled)
        let derived = attribution(ParsedProvenance.attributed(readBack))
        let either = "entry " + EntryPoint.externalOrLoadBalancerIP.rawValue
        for key in expected.keys.sorted() where derived[key] != expected[key] {
            let value = expected[key]!
            let ambiguous = [EntryPoint.externalIP, .loadBalancerIP].contains { precise in
                value.hasSuffix("entry " + precise.rawValue)
                    && derived[key] == value.dropLast(("entry " + precise.rawValue).count) + either
            }
            if !ambiguous { Issue.record("\(key): compiled \(value), read back \(derived[key] ?? "missing")") }
        }
        #expect(expected.values.contains { $0.hasSuffix("entry ClusterIP") } && expected.values.contains { $0.hasSuffix("entry NodePort") })
        // A dump also lists the empty built-in chains the model leaves out: nobody's.
        #expect(derived.filter { expected[$0.key] == nil }.allSatisfy { $0.value == "-" })
        // Compiled rules pass through unchanged.
        #expect(attribution(ParsedProvenance.attributed(compiled)) == expected)
    }

    /// The rules as a live node's `iptables-save` shows them, parsed back.
    private func readBack(_ ruleset: Ruleset) throws -> Ruleset {
        try IPTablesSaveParser(family: ruleset.family).parseOne(try IPTablesSaveWriter().text(ruleset))
    }

    @Test func compiledRulesCarryTheirServicePortAndEndpoint() throws {
        let ruleset = Pipeline.compile(try example(), families: [.ipv4])[0]
        let nat = ruleset[table: "nat"]!
        let dispatch = nat.chains.filter { nat.provenance(of: $0)?.servicePortPart == .clusterDispatch }
        #expect(!dispatch.isEmpty)
        for chain in dispatch {
            // Each dispatch rule jumps to an endpoint chain of the same Service port, whose
            // index is the endpoint's position: the dispatch order.
            let targets = chain.rules.compactMap { rule -> Chain? in
                guard case .jump(let target)? = rule.verdict else { return nil }
                return nat.chain(named: target)
            }.filter { nat.provenance(of: $0)?.servicePort == nat.provenance(of: chain)?.servicePort }
            #expect(!targets.isEmpty, "\(chain.name) dispatches to its own endpoints")
            // Endpoint positions follow the endpoints' byte order, as the plan sorts them.
            var endpointByIndex: [Int32: String] = [:]
            for target in targets {
                guard case .endpoint(let index)? = nat.provenance(of: target)?.servicePortPart,
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
        #expect(nat.provenance(of: nat.chain(named: "KUBE-MARK-MASQ")!) == nil)
        let services = nat.chain(named: "KUBE-SERVICES")!
        let owned = services.rules.filter { nat.provenance($0.provenanceID)?.servicePort != nil }
        #expect(!owned.isEmpty)
        #expect(services.rules.filter { $0.provenanceID.isNone }.allSatisfy { $0.verdict == .jump("KUBE-NODEPORTS") },
                "all but the NodePort dispatch at the end")
        for rule in owned {
            let provenance = nat.provenance(rule.provenanceID)!
            #expect(rule.comment!.description.hasPrefix(provenance.servicePort!.name + " "))
            // The entry point's kind is the layout's, which the comment also spells.
            let spelled = ["cluster IP": EntryPoint.clusterIP, "external IP": .externalIP, "loadbalancer IP": .loadBalancerIP]
            #expect(spelled.first { rule.comment!.description.hasSuffix($0.key) }?.value == provenance.servicePortPart?.entryPoint)
        }
        // PacketPath's policy chains, and each policy rule with the rule it stands for.
        let filter = ruleset[table: "filter"]!
        let policy = filter.chains.filter { filter.provenance(of: $0)?.isNetworkPolicy == true }
        #expect(!policy.isEmpty && policy.allSatisfy { $0.name.hasPrefix("PP-") })
        #expect(filter.chains.filter { $0.name.hasPrefix("PP-") }.count == policy.count)
        let allowRules = policy.flatMap(\.rules).compactMap { rule -> PolicySource? in
            guard case .networkPolicy(let source?)? = filter.provenance(rule.provenanceID) else { return nil }
            return source
        }
        #expect(!allowRules.isEmpty && allowRules.allSatisfy { !$0.isPod && $0.ruleIndex != nil })
    }

    @Test func aDumpReadBackIsAttributedAsItsCompiledRules() throws {
        let compiled = Pipeline.compile(try example(), families: [.ipv4])[0]
        let parsed = try readBack(compiled)
        #expect(attribution(parsed).values.allSatisfy { $0 == "-" }, "a dump carries none")
        expectSameAttribution(compiled: compiled, readBack: parsed)
    }

    /// The nftables layouts (kube-proxy's table, PacketPath's policy table) set provenance as
    /// the iptables ones do, and an `nft -f` dump parsed back gets the same.
    @Test func anNFTDumpReadBackIsAttributedAsItsCompiledTables() throws {
        let compiled = Pipeline.compileNFTables(try example(), families: [.ipv4])[0]
        #expect(compiled.tables.count == 2, "kube-proxy's table and the policy table")
        let text = try Pipeline.nftText([compiled])[0].text.string
        let parsed = try #require(try NFTParser(sourceName: "shop.nft").parse(text).first { $0.family == .ipv4 })
        #expect(attribution(parsed).values.allSatisfy { $0 == "-" }, "a dump carries none")
        expectSameAttribution(compiled: compiled, readBack: parsed)
        let kubeProxy = try #require(compiled.tables.first { $0.name == "kube-proxy" })
        #expect(kubeProxy.chains.contains { kubeProxy.provenance(of: $0)?.servicePortPart == .clusterDispatch })
        #expect(kubeProxy.maps.flatMap(\.entries).contains { kubeProxy.provenance($0.provenanceID)?.servicePortPart?.entryPoint == .nodePort })
        let policyTable = try #require(compiled.tables.first { $0.name != "kube-proxy" })
        #expect(policyTable.chains.allSatisfy { policyTable.provenance(of: $0)?.isNetworkPolicy == true })
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
                #expect(summary(table.chain(named: chain.name).flatMap { table.provenance(of: $0) })
                        == summary(compiledTable.provenance(of: chain)), "\(table.name) \(chain.name)")
            }
        }
    }
}
