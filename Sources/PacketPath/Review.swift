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
    public static func diff(_ a: LoadedSide, _ b: LoadedSide) -> DiffReport {
        let rulesFamilies: (LoadedSide) -> [IPFamily]? = { side in
            if case .rules(let rulesets) = side.content { return rulesets.map(\.family) }
            return nil
        }
        let left = a.rulesets(families: rulesFamilies(b))
        let right = b.rulesets(families: rulesFamilies(a) ?? (a.cluster != nil ? left.map(\.family) : nil))
        var names = ServicePortNames()
        for side in [a, b] {
            if let cluster = side.cluster { for name in servicePortNames(cluster.state) { names.add(name) } }
        }
        return RulesetDiffer(names: names).compare(left, right, sideA: a.label, sideB: b.label)
    }
}
