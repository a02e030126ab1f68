import ClusterState
import KubeProxyIPTables
import NetfilterApply
import NetworkNamespaces
import PacketPath
import RuleModel
import ServiceCompiler

/// Installs compiled rules the way `packetpath apply` does: one atomic netlink batch into the
/// lab's node namespace. The labs prove the apply path itself, not a second loader.
public struct NetlinkInstaller: RuleInstaller {
    public var compile: @Sendable (ClusterState) throws -> [Ruleset]

    /// Everything `packetpath compile` prints for IPv4: Service chains and NetworkPolicy chains.
    public init() {
        self.init { Pipeline.compile($0, families: [.ipv4]) }
    }

    public init(_ compile: @escaping @Sendable (ClusterState) throws -> [Ruleset]) {
        self.compile = compile
    }

    /// Only kube-proxy's Service chains: the baseline that shows missing policy rules are caught.
    public static var servicesOnly: NetlinkInstaller {
        NetlinkInstaller { [KubeProxyIPTablesCompiler(settings: $0.settings).compile($0, family: .ipv4)] }
    }

    public func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws {
        _ = try NetfilterApplier().apply(try compile(cluster), into: namespace)
    }
}
