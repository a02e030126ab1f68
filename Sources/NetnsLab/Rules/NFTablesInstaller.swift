import ClusterState
import NetfilterApply
import NetworkNamespaces
import PacketPath

/// Installs the nftables layout the way `packetpath apply --backend nftables` does: kube-proxy's
/// table and PacketPath's policy table written natively over netlink (no `nft` process), so
/// the labs prove the apply path itself.
public struct NFTablesInstaller: RuleInstaller {
    /// Which of the compiled tables to install (all of them by default).
    public var keepTable: @Sendable (String) -> Bool

    public init(keepTable: @escaping @Sendable (String) -> Bool = { _ in true }) {
        self.keepTable = keepTable
    }

    public func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws {
        var rulesets = Pipeline.compileNFTables(cluster, families: [.ipv4])
        for index in rulesets.indices { rulesets[index].tables.removeAll { !keepTable($0.name) } }
        _ = try NFTablesApplier().apply(rulesets, into: namespace)
    }
}
