import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import PacketPath

/// `packetpath-bench nft-readback N`: N ClusterIP Services × 10 endpoints applied natively as
/// kube-proxy's nftables layout into a fresh namespace, then its `ip kube-proxy` table read
/// back over netlink as re-apply reads it (the desired anonymous sets and chains known; median of 3)
/// against `nft list table ip kube-proxy` of the same namespace in the same run; also the CPU
/// time of one read, all threads (less noisy than wall time on a loaded machine).
enum NFTReadBackBenchmark {
    static func run(services: Int) throws -> String {
        let state = SyntheticCluster.state(services: services)
        let programs = try NFTablesApplier.programs(Pipeline.compileNFTables(state, families: [.ipv4]))
        let namespace = try ScratchNamespace(tag: "bench-nftr")
        defer { namespace.remove() }
        let known = KnownAnonymousSets(programs)
        let (readBack, cpu, chains) = try NetfilterSocket.withSocket(in: namespace.namespace) { socket -> (Double, Double, Int) in
            let connection = NetlinkConnection(socket)
            _ = try NFTablesApplier().apply(programs, connection: connection)
            let table = try connection.tables(family: .ipv4).first { $0.name == "kube-proxy" }!
            var chains = 0
            let cpuStart = Measure.processCPU()
            let seconds = try Measure.median(runs: 3) {
                chains = try NFTablesReadBack.read(table, connection: connection, known: known,
                                                   expectedChains: programs[0].chains.map(\.name)).chains.count
            }
            return (seconds, (Measure.processCPU() - cpuStart) / 3, chains)
        }
        let listStart = Measure.now()
        let listed = try namespace.exec(["nft", "list", "table", "ip", "kube-proxy"])
        let list = Measure.now() - listStart
        guard listed.succeeded else { throw NamespaceError("nft list table failed: \(listed.stderr)") }
        return "nft-readback services=\(services) readback_seconds=\(readBack) readback_cpu_seconds=\(cpu) nft_list_seconds=\(list)"
            + " chains=\(chains) known_anonymous_sets=\(known.count)"
    }
}
