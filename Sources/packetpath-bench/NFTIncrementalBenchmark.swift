#if canImport(Glibc)
import Glibc
#endif
import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import PacketPath

/// `packetpath-bench nft-incremental N`: N ClusterIP Services × 10 endpoints applied natively
/// as kube-proxy's nftables layout into a fresh namespace, then timed in it: the netlink
/// read-back of `ip kube-proxy` (median of 3) against `nft list table ip kube-proxy`, and one
/// more endpoint and one more Service applied incrementally (read, plan, commit, with the
/// messages and bytes sent). Prints one line of `key=value` fields.
enum NFTIncrementalBenchmark {
    static func run(services: Int) throws -> String {
        let state = SyntheticCluster.state(services: services)
        let namespace = try ScratchNamespace(tag: "bench-nfti")
        defer { namespace.remove() }
        let loadStart = Measure.now()
        _ = try NFTablesApplier().apply(Pipeline.compileNFTables(state, families: [.ipv4]), into: namespace.namespace)
        let load = Measure.now() - loadStart

        let readBack = try NetfilterSocket.withSocket(in: namespace.namespace) { socket -> Double in
            let connection = NetlinkConnection(socket)
            let table = try connection.tables(family: .ipv4).first { $0.name == "kube-proxy" }!
            return try Measure.median(runs: 3) { _ = try NFTablesReadBack.read(table, connection: connection) }
        }
        let listStart = Measure.now()
        let listed = try namespace.exec(["nft", "list", "table", "ip", "kube-proxy"])
        let list = Measure.now() - listStart
        guard listed.succeeded else { throw NamespaceError("nft list table failed: \(listed.stderr)") }

        let endpointState = IncrementalBenchmark.withOneMoreEndpoint(state, slice: 1)
        let endpoint = try timedApply(endpointState, into: namespace)
        let service = try timedApply(IncrementalBenchmark.withOneMoreService(endpointState, index: services), into: namespace)
        return "nft-incremental services=\(services) full_apply_seconds=\(load) readback_seconds=\(readBack)"
            + " nft_list_seconds=\(list) " + endpoint.fields("endpoint") + " " + service.fields("service")
    }

    static func timedApply(_ state: ClusterState, into namespace: ScratchNamespace) throws -> IncrementalBenchmark.Step {
        let programs = try NFTablesApplier.programs(Pipeline.compileNFTables(state, families: [.ipv4]))
        let clock = IncrementalBenchmark.Clock()
        let start = Measure.now()
        let applier = NFTablesApplier(options: ApplyOptions(progress: { clock.marks.append(($0, Measure.now())) }))
        let report = try NetfilterSocket.withSocket(in: namespace.namespace) { socket in
            try applier.apply(programs, connection: NetlinkConnection(socket))
        }
        let end = Measure.now()
        guard report.outcome == .applied else { throw NamespaceError("the change was not applied: \(report.outcome)") }
        let read = clock.time { if case .readingKernel = $0 { true } else { false } } ?? start
        let send = clock.time { if case .sending = $0 { true } else { false } } ?? read
        return IncrementalBenchmark.Step(seconds: end - start, readSeconds: read - start, planSeconds: send - read,
                                         commitSeconds: end - send, messages: report.messages, bytes: report.bytes)
    }
}
