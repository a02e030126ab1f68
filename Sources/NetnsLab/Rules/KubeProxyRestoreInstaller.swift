import ClusterState
import IPTablesText
import NetworkAddresses
import NetworkNamespaces
import PacketPath
import RuleModel
import ServiceCompiler

/// What `packetpath compile` produces (kube-proxy's Service chains plus the NetworkPolicy
/// chains, IPv4), loaded with `iptables-restore`. The installer the labs use by default until
/// netlink apply lands on main.
public struct CompiledRulesInstaller: RuleInstaller {
    public init() {}

    public func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws {
        try RulesetRestoreInstaller { Pipeline.compile($0, families: [.ipv4]) }.install(cluster, into: namespace)
    }
}

/// Only the cluster's Services, compiled with `KubeProxyCompiler` (IPv4), through
/// `iptables-restore`: the Service lab's default, and the baseline the netpol tests use to
/// show that missing policy rules are caught.
///
/// The restore text kube-proxy writes leaves out the built-in chains (kube-proxy inserts those
/// jumps one by one). Here each built-in chain's rules go into a regular chain
/// `LAB<n>-<HOOK>`, and the built-in chain gets one jump to it; the packet path is the same.
public struct KubeProxyRestoreInstaller: RuleInstaller {
    public init() {}

    public func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws {
        let ruleset = KubeProxyCompiler(settings: cluster.settings).compile(cluster, family: .ipv4)
        try RulesetRestoreInstaller { _ in [ruleset] }.install(cluster, into: namespace)
    }
}

/// Loads whatever rulesets a compiler makes of the cluster, with `iptables-restore`.
public struct RulesetRestoreInstaller: RuleInstaller {
    public var compile: @Sendable (ClusterState) throws -> [Ruleset]

    public init(_ compile: @escaping @Sendable (ClusterState) throws -> [Ruleset]) {
        self.compile = compile
    }

    public func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws {
        for (index, ruleset) in try compile(cluster).enumerated() {
            try IPTablesRestore.run(try Self.restoreText(ruleset, prefix: "LAB\(index)"), in: namespace)
        }
    }

    /// Restore text with built-in chains turned into `<prefix>-<HOOK>` plus a jump to each.
    static func restoreText(_ ruleset: Ruleset, prefix: String) throws -> String {
        let writer = IPTablesTextWriter()
        var text = ""
        for table in ruleset.tables {
            var converted = table
            var jumps: [String] = []
            for index in converted.chains.indices where converted.chains[index].isBase {
                let builtin = converted.chains[index].name
                let replacement = ChainName("\(prefix)-\(builtin)")
                converted.chains[index] = Chain(replacement, rules: converted.chains[index].rules)
                jumps.append("-A \(builtin) -j \(replacement)\n")
            }
            var block = try writer.text(Ruleset(family: ruleset.family, tables: [converted]))
            guard block.hasSuffix("COMMIT\n") else { throw LabError("unexpected restore text for table \(table.name)") }
            block.removeLast("COMMIT\n".count)
            text += block + jumps.joined() + "COMMIT\n"
        }
        return text
    }
}
