import ClusterState
import IPTablesText
import NetworkAddresses
import RuleModel
import ServiceCompiler

/// The pipeline the CLI drives: cluster state → rule model → a sink.
public enum Pipeline {
    /// The kube-proxy-identical rulesets of the requested families.
    public static func compileServices(_ state: ClusterState, families: [IPFamily]) -> [Ruleset] {
        let compiler = KubeProxyCompiler(settings: state.settings)
        return families.map { compiler.compile(state, family: $0) }
    }
}
