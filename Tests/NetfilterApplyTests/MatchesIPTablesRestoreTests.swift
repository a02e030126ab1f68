import ClusterState
import TestSupport
import Foundation
import IPTablesText
import NetfilterApply
import NetworkAddresses
import NetworkNamespaces
import PacketPath
import RuleModel
import Testing

/// For everything PacketPath compiles — the kube-proxy cases and the NetworkPolicy cases —
/// applying over netlink leaves the same iptables-save dump as loading `compile`'s text with
/// iptables-restore (apart from the jump rules in the built-in chains, which the restore text
/// leaves out).
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct MatchesIPTablesRestoreTests {
    static let netpolCases: [String] = {
        let directory = ProjectPaths.netpolCases
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().map { directory + "/" + $0 + "/cluster.yaml" }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }()

    static let inputs: [String] = SharedCases.names.map { SharedCases.directory + "/" + $0 + "/input.yaml" }
        + netpolCases + [ProjectPaths.root + "/examples/shop.yaml"]

    @Test func thereAreInputs() {
        #expect(Self.netpolCases.count == 43)
    }

    @Test(arguments: inputs)
    func netlinkApplyEqualsIPTablesRestore(input: String) throws {
        let state = try ManifestLoader.load(paths: [input]).state
        let rulesets = Pipeline.compile(state, families: Pipeline.defaultFamilies(for: state))
        let viaNetlink = try ScratchNamespace(tag: "nl")
        defer { viaNetlink.remove() }
        let viaRestore = try ScratchNamespace(tag: "ir")
        defer { viaRestore.remove() }
        #expect(try NetfilterApplier().apply(rulesets, into: viaNetlink.namespace).outcome == .applied)
        for ruleset in rulesets {
            let ipv6 = ruleset.family == .ipv6
            _ = try viaRestore.output([ipv6 ? "ip6tables-restore" : "iptables-restore"],
                                      input: try IPTablesTextWriter().bytes(ruleset))
            let applied = try viaNetlink.save(ipv6: ipv6)
            #expect(!applied.contains("incompatible"))
            let restored = try viaRestore.save(ipv6: ipv6)
            let actual = withoutBuiltinJumps(applied)
            #expect(actual == restored, "\(ruleset.family): \(firstDifference(actual, restored))")
        }
    }
}
