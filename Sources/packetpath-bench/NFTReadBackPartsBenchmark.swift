import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import PacketPath

/// `packetpath-bench nft-readback-parts N`: where read-back of kube-proxy's nftables layout
/// spends its time: the chain dump, rules chain by chain against one table-wide dump, the set
/// dump and the per-set element dumps, each timed alone (one run each) in a fresh namespace.
enum NFTReadBackPartsBenchmark {
    static func run(services: Int) throws -> String {
        let state = SyntheticCluster.state(services: services)
        let namespace = try ScratchNamespace(tag: "bench-nftp")
        defer { namespace.remove() }
        _ = try NFTablesApplier().apply(Pipeline.compileNFTables(state, families: [.ipv4]), into: namespace.namespace)
        return try NetfilterSocket.withSocket(in: namespace.namespace) { socket -> String in
            let table: ObjectName = "kube-proxy"
            var fields: [String] = ["nft-readback-parts services=\(services)"]
            func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
                let start = Measure.now()
                let result = try body()
                fields.append("\(name)_seconds=\(Measure.now() - start)")
                return result
            }
            let chains = try timed("chains") { try socket.chains(family: .ipv4, table: "kube-proxy") }
            try timed("rules_per_chain") {
                for chain in chains { _ = try socket.rules(family: .ipv4, table: table, chain: chain.name) }
            }
            _ = try timed("rules_per_table") { try socket.rulesByChain(family: .ipv4, table: table) }
            let sets = try timed("sets") { try socket.sets(family: .ipv4, table: table) }
            try timed("elements") {
                for set in sets { _ = try socket.elements(family: .ipv4, table: table, set: set.name) }
            }
            fields.append("chains=\(chains.count) sets=\(sets.count)")
            return fields.joined(separator: " ")
        }
    }
}
