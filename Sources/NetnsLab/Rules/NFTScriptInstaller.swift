import ClusterState
import NetworkNamespaces
import PacketPath

/// Installs what `packetpath compile --backend nftables` prints (kube-proxy's table and
/// PacketPath's policy table) by feeding the script to `nft -f -` inside the lab's node
/// namespace: the printed text judged by real packets. The labs use `NFTablesInstaller` (the
/// native apply).
public struct NFTScriptInstaller: RuleInstaller {
    public init() {}

    public func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws {
        let texts = try Pipeline.nftText(Pipeline.compileNFTables(cluster, families: [.ipv4]))
        for compiled in texts { try NFTScript.run(compiled.text.string, in: namespace) }
    }
}

public enum NFTScript {
    /// Feeds `text` to `nft -f -` inside `namespace` (the child inherits the namespace of the
    /// thread that spawns it); `check` only parses and validates it (`nft -c`).
    public static func run(_ text: String, in namespace: NetworkNamespace, check: Bool = false) throws {
        let output: HostCommand.Output
        do {
            output = try NamespaceThread.run(in: namespace) {
                try HostCommand.run(["nft"] + (check ? ["-c"] : []) + ["-f", "-"], input: Array(text.utf8))
            }
        } catch {
            throw LabError("cannot run nft (install the Debian package 'nftables'): \(error)")
        }
        guard output.succeeded else {
            throw LabError("nft -f in \(namespace) failed: \(output.stderr.trimmingTrailingNewlines())")
        }
    }
}
