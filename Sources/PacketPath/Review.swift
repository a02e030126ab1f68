import ClusterState
import IPTablesText
import NetworkAddresses
import RuleDiff
import RuleModel

/// The review tools' view of the pipeline: which rules each side stands for.
public enum Review {
    /// `namespace/name:port` (or `namespace/name` for an unnamed port) of every Service port
    /// that can have chains, for naming chains by their hash.
    public static func servicePortNames(_ state: ClusterState) -> [String] {
        state.services.filter { !$0.clusterIPs.isEmpty }.flatMap { service in
            service.ports.map { port in
                service.metadata.namespace + "/" + service.metadata.name + (port.name.isEmpty ? "" : ":" + port.name)
            }
        }
    }

    /// Compares two sides. A side of manifests is compiled for the families of the other side
    /// when that one holds rules, so a manifest set is compared with an ip6tables dump as IPv6.
    /// A namespace is read for both families, so against one the manifests are compiled for
    /// their own families and those the namespace has; a family or table the namespace lacks
    /// counts as empty there (nothing was ever put in it), so everything the other side has for
    /// it is missing rather than left uncompared.
    public static func diff(_ a: LoadedSide, _ b: LoadedSide, backend: ProxyMode = .iptables) -> DiffReport {
        let rulesFamilies: (LoadedSide, LoadedSide) -> [IPFamily]? = { side, other in
            guard case .rules(let rulesets) = side.content else { return nil }
            guard case .namespace = side.input, let cluster = other.cluster else { return rulesets.map(\.family) }
            return Set(rulesets.map(\.family) + Pipeline.defaultFamilies(for: cluster.state)).sorted()
        }
        var left = a.rulesets(families: rulesFamilies(b, a), backend: backend)
        var right = b.rulesets(families: rulesFamilies(a, b) ?? (a.cluster != nil ? left.map(\.family) : nil), backend: backend)
        if case .namespace = a.input { left = emptyWhereAbsent(left, other: right) }
        if case .namespace = b.input { right = emptyWhereAbsent(right, other: left) }
        var names = ServicePortNames()
        for side in [a, b] {
            if let cluster = side.cluster { for name in servicePortNames(cluster.state) { names.add(name) } }
        }
        return RulesetDiffer(names: names).compare(left, right, sideA: a.label, sideB: b.label)
    }

    /// `live` with every family and table `other` has added where missing, holding only the
    /// empty built-in chains with policy ACCEPT: what the kernel does without them.
    static func emptyWhereAbsent(_ live: [Ruleset], other: [Ruleset]) -> [Ruleset] {
        var result = live
        for wanted in other {
            let index = result.firstIndex { $0.family == wanted.family } ?? {
                result.append(Ruleset(family: wanted.family))
                return result.count - 1
            }()
            for table in wanted.tables where result[index][table: table.name] == nil {
                let chains = BuiltinChains.hooks(of: table.name).map { BuiltinChains.emptyChain(table: table.name, hook: $0) }
                result[index].tables.append(Table(table.name, chains: chains))
            }
        }
        return result.sorted { $0.family < $1.family }
    }

    /// Compares two sides as `packetpath diff` does: rule by rule when both are iptables mode,
    /// by behaviour (probing every entry point through both) when either is nftables mode —
    /// the migration diff when one side is iptables and the other nftables.
    /// A side of manifests is compiled for `backendA`/`backendB` when given, else for the
    /// other side's mode when that one holds rules, else for iptables.
    public static func compare(_ a: LoadedSide, _ b: LoadedSide, backendA: ProxyMode? = nil,
                               backendB: ProxyMode? = nil) -> ReviewDiff {
        let modeA = a.rulesBackend ?? backendA ?? b.rulesBackend ?? .iptables
        let modeB = b.rulesBackend ?? backendB ?? a.rulesBackend ?? .iptables
        guard modeA == .nftables || modeB == .nftables else {
            return .rules(diff(a, b, backend: modeA))
        }
        let rulesFamilies: (LoadedSide) -> [IPFamily]? = { side in
            if case .rules(let rulesets) = side.content { return rulesets.map(\.family) }
            return nil
        }
        let left = a.rulesets(families: rulesFamilies(b), backend: modeA)
        let right = b.rulesets(families: rulesFamilies(a) ?? (a.cluster != nil ? left.map(\.family) : nil), backend: modeB)
        return .migration(MigrationDiffer().compare(left, right, sideA: a.label, sideB: b.label))
    }
}

/// What `packetpath diff` found: a rule-level report, or a behavioural one across proxy modes.
public enum ReviewDiff: Sendable {
    case rules(DiffReport)
    case migration(MigrationReport)

    public var isEmpty: Bool {
        switch self {
        case .rules(let report): return report.isEmpty
        case .migration(let report): return report.isEmpty
        }
    }

    public var text: String {
        switch self {
        case .rules(let report): return report.text
        case .migration(let report): return report.text
        }
    }
}
