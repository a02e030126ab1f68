import ClusterState
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
    public static func diff(_ a: LoadedSide, _ b: LoadedSide, backend: ProxyMode = .iptables) -> DiffReport {
        let rulesFamilies: (LoadedSide) -> [IPFamily]? = { side in
            if case .rules(let rulesets) = side.content { return rulesets.map(\.family) }
            return nil
        }
        let left = a.rulesets(families: rulesFamilies(b), backend: backend)
        let right = b.rulesets(families: rulesFamilies(a) ?? (a.cluster != nil ? left.map(\.family) : nil), backend: backend)
        var names = ServicePortNames()
        for side in [a, b] {
            if let cluster = side.cluster { for name in servicePortNames(cluster.state) { names.add(name) } }
        }
        return RulesetDiffer(names: names).compare(left, right, sideA: a.label, sideB: b.label)
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
