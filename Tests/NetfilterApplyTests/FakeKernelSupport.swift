import ClusterState
import NetfilterApply
import NetfilterNetlink
import PacketPath
import RuleModel
import TestSupport

extension FakeKernel {
    /// Every table, chain and rule (expressions, not handles), in kernel order: two fakes that
    /// hold the same ruleset print the same text however they got there.
    func dump() throws -> String {
        var lines: [String] = []
        for family in [NetfilterFamily.ipv4, .ipv6] {
            for table in try tables(family: family) {
                lines.append("table \(family) \(table.name) comment=\(table.comment ?? "-")")
                for chain in try chains(family: family) where chain.table == table.name {
                    lines.append("  chain \(chain.name) base=\(chain.base.map { "\($0.hook)" } ?? "-") comment=\(chain.comment ?? "-")")
                    for rule in try rules(of: ChainKey(TableKey(family, table.name), chain.name)) {
                        lines.append("    " + rule.expressions.map(\.description).joined(separator: " "))
                    }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The dump without the state record table (whose comment carries generation numbers).
    func rulesDump() throws -> String {
        try dump().split(separator: "\n").filter { !$0.hasPrefix("table ip packetpath") && !$0.hasPrefix("table ip6 packetpath") }
            .joined(separator: "\n")
    }
}

enum FakeFixtures {
    static func state(_ caseName: String) throws -> ClusterState {
        try ManifestLoader.load(paths: [SharedCases.directory + "/\(caseName)/input.yaml"]).state
    }

    static func services(_ state: ClusterState) -> [Ruleset] {
        Pipeline.compileServices(state, families: Pipeline.defaultFamilies(for: state))
    }

    /// The bundled example: Services and NetworkPolicies, IPv4 and IPv6.
    static func dualStack() throws -> [Ruleset] {
        let state = try ManifestLoader.load(paths: [SharedCases.example]).state
        return Pipeline.compile(state, families: [.ipv4, .ipv6])
    }

    static let foreignTable = TableKey(.ipv4, "filter")

    /// Foreign chains and rules in ip filter, as another program would write them.
    static func addForeignObjects(to kernel: FakeKernel) throws {
        let table = foreignTable
        let accept = Expression.immediate(Immediate(verdict: .accept))
        try kernel.commitForeign([
            .addTable(table, comment: nil),
            .addChain(ChainKey(table, "INPUT"), base: BaseChainSpec(type: "filter", hook: .input, priority: 0), comment: nil),
            .addChain(ChainKey(table, "FOREIGN"), base: nil, comment: nil),
            .addRule(ChainKey(table, "FOREIGN"), .expressions([.counter(Counter()), accept], compat: nil), .append),
            .addRule(ChainKey(table, "INPUT"), .expressions([.counter(Counter()), .immediate(Immediate(verdict: .jump("FOREIGN")))], compat: nil), .append),
        ])
    }
}
