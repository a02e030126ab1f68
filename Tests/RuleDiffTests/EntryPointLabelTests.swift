import ClusterState
import PacketPath
import RuleModel
import Testing
import TestSupport

/// The rules diff names each entry rule by the entry point its provenance records, not by its
/// comment: compiled rules with every comment removed get the same labels.
@Suite struct EntryPointLabelTests {
    /// The entry labels of the Service ports `rulesets` has and another case's rules lack.
    static func labels(_ rulesets: [Ruleset]) throws -> [String] {
        let other = try ManifestLoader.load(paths: [SharedCases.path("clusterip-0-endpoints", "input.yaml")]).state
        let compiled = LoadedSide(input: .paths(["compiled"]), content: .rules(rulesets))
        let otherRules = LoadedSide(input: .paths(["other"]),
                                    content: .rules(Pipeline.compileServices(other, families: rulesets.map(\.family))))
        return Review.diff(compiled, otherRules).families.flatMap(\.servicePorts).filter { $0.status == .removed }
            .flatMap(\.entryPoints).sorted()
    }

    @Test func labelsComeFromProvenanceNotComments() throws {
        let state = try ManifestLoader.load(paths: [SharedCases.path("upstream-overall-scenario", "input.yaml")]).state
        let rulesets = Pipeline.compileServices(state, families: Pipeline.defaultFamilies(for: state))
        var stripped = rulesets
        var removed = 0
        for ruleset in stripped.indices {
            for table in stripped[ruleset].tables.indices {
                for chain in stripped[ruleset].tables[table].chains.indices {
                    for rule in stripped[ruleset].tables[table].chains[chain].rules.indices {
                        let matches = stripped[ruleset].tables[table].chains[chain].rules[rule].matches
                        let kept = matches.filter { $0.comment == nil }
                        removed += matches.count - kept.count
                        stripped[ruleset].tables[table].chains[chain].rules[rule].matches = kept
                    }
                }
            }
        }
        #expect(removed > 0)
        let withComments = try Self.labels(rulesets)
        #expect(!withComments.isEmpty)
        #expect(try Self.labels(stripped) == withComments)
        for kind in ["cluster IP ", "node port ", "external IP ", "loadbalancer IP "] {
            #expect(withComments.contains { $0.hasPrefix(kind) }, "no \(kind)label in \(withComments)")
        }
        #expect(!withComments.contains { $0.hasPrefix("rule ") })
    }
}
