import ClusterState
import IPTablesText
import KubeProxyIPTables
import KubeProxyNFTables
import NetworkAddresses
import NFTText
import PolicyIPTables
import PolicyNFTables
import RuleModel
import ServiceCompiler
import TextOutput

/// Which IP families to compile.
public enum FamilySelection: String, Sendable, CaseIterable {
    case ipv4, ipv6, both

    public var families: [IPFamily] {
        switch self {
        case .ipv4: return [.ipv4]
        case .ipv6: return [.ipv6]
        case .both: return [.ipv4, .ipv6]
        }
    }
}

/// The pipeline the CLI drives: manifests → cluster state → rule model → a sink.
public enum Pipeline {
    /// Families to compile when the user names none: the NodeConfig's `ipFamily`, else every
    /// family present in the input (IPv4 when the input has no addresses at all).
    public static func defaultFamilies(for state: ClusterState) -> [IPFamily] {
        if let family = state.settings.ipFamily { return [family] }
        let present = state.familiesPresent
        return present.isEmpty ? [.ipv4] : present
    }

    /// The kube-proxy-identical rulesets of the requested families.
    public static func compileServices(_ state: ClusterState, families: [IPFamily]) -> [Ruleset] {
        let compiler = KubeProxyIPTablesCompiler(settings: state.settings)
        return families.map { compiler.compile(state, family: $0) }
    }

    /// Everything PacketPath programs: kube-proxy's Service chains plus the NetworkPolicy
    /// chains, in the canonical chain order of the reference dumps (each layout keeps its
    /// chains in that order).
    public static func compile(_ state: ClusterState, families: [IPFamily]) -> [Ruleset] {
        let policies = PolicyIPTablesCompiler(settings: state.settings)
        return compileServices(state, families: families).map { services in
            var ruleset = services
            guard !state.networkPolicies.isEmpty else { return ruleset }
            policies.addPolicies(state, to: &ruleset)
            return ruleset
        }
    }

    /// Everything `compile` prints: iptables-restore text per family.
    public struct CompiledText: Sendable {
        public var family: IPFamily
        /// The text in the buffers it was printed into; `text.bytes` joins them.
        public var text: PrintedText
    }

    public static func iptablesText(_ rulesets: [Ruleset]) throws -> [CompiledText] {
        try rulesets.map { CompiledText(family: $0.family, text: try IPTablesTextWriter().printed($0)) }
    }

    /// The backend to compile for when the user names none: the KubeProxyConfiguration's
    /// `mode`, else iptables.
    public static func defaultBackend(for state: ClusterState) -> ProxyMode {
        state.settings.proxyMode ?? .iptables
    }

    /// kube-proxy's nftables table (`ip|ip6 kube-proxy`), then PacketPath's own NetworkPolicy table (when a local
    /// pod is isolated), per family.
    public static func compileNFTables(_ state: ClusterState, families: [IPFamily]) -> [Ruleset] {
        let compiler = KubeProxyNFTablesCompiler(settings: state.settings)
        return families.map { family in
            var ruleset = compiler.compile(state, family: family)
            if !state.networkPolicies.isEmpty, let policies = PolicyNFTablesCompiler().compile(state, family: family) {
                ruleset.tables.append(policies)
            }
            return ruleset
        }
    }

    /// `nft -f` text per family, in kube-proxy's dump order.
    public static func nftText(_ rulesets: [Ruleset]) throws -> [CompiledText] {
        try rulesets.map { CompiledText(family: $0.family, text: try NFTTextWriter().printed($0)) }
    }
}
