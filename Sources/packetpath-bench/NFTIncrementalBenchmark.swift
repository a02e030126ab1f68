#if canImport(Glibc)
import Glibc
#endif
import ClusterState
import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import PacketPath
import RuleModel

/// `packetpath-bench nft-incremental N`: N ClusterIP Services × 10 endpoints applied natively
/// as kube-proxy's nftables layout into a fresh namespace, then timed in it (the read-back
/// alone is `nft-readback`): one more endpoint, then one more Service, each applied three ways
/// from the same starting state:
/// `nft -f` of the change as the dry run prints it (the stock tool's cost for the same objects),
/// the applier that made the previous commit (it remembers the tables and keeps the digest
/// record, as `apply --watch` does), a fresh applier without the record (it reads the tables
/// back), and a fresh applier planning from the digest record the remembering one left (one
/// `packetpath apply` process: fields `record_…`).
/// Times start with the compiled tables handed to the applier (compiling is not timed), so
/// they include whatever encoding the applier does: all of it for a fresh applier, only the
/// changed chains, sets and maps for the remembering one. Prints one line of `key=value` fields.
enum NFTIncrementalBenchmark {
    static func run(services: Int) throws -> String {
        let state = SyntheticCluster.state(services: services)
        let namespace = try ScratchNamespace(tag: "bench-nfti")
        defer { namespace.remove() }
        let remembering = NFTablesApplier(options: ApplyOptions(memory: ApplyMemory()), recordDigests: true)
        let loadStart = Measure.now()
        _ = try remembering.apply(rulesets(state), into: namespace.namespace)
        let load = Measure.now() - loadStart

        let endpointState = IncrementalBenchmark.withOneMoreEndpoint(state, slice: 1)
        let serviceState = IncrementalBenchmark.withOneMoreService(endpointState, index: services)
        var fields = "nft-incremental services=\(services) full_apply_seconds=\(load)"
        for (kind, from, to) in [("endpoint", state, endpointState), ("service", endpointState, serviceState)] {
            let dryRun = try NFTablesApplier(options: ApplyOptions(dryRun: true)).apply(rulesets(to), into: namespace.namespace)
            let text = dryRun.dryRunText ?? ""
            let nftStart = Measure.now()
            let loaded = try namespace.exec(["nft", "-f", "-"], input: Array(text.utf8))
            let nft = Measure.now() - nftStart
            guard loaded.succeeded else { throw NamespaceError("nft -f of the dry run's text failed: \(loaded.stderr)") }
            // Back to the starting state (the remembering applier reads back once: nft committed).
            _ = try remembering.apply(rulesets(from), into: namespace.namespace)
            let remembered = try timedApply(to, applier: remembering, into: namespace)
            _ = try remembering.apply(rulesets(from), into: namespace.namespace)
            let fresh = try timedApply(to, applier: NFTablesApplier(), into: namespace)
            // Back again: the remembering applier reads back once and writes the record anew.
            _ = try remembering.apply(rulesets(from), into: namespace.namespace)
            let recorded = try timedApply(to, applier: NFTablesApplier(recordDigests: true), into: namespace)
            let lines = text.split(separator: "\n").count
            fields += " \(kind)_nft_seconds=\(nft) \(kind)_nft_lines=\(lines) " + remembered.fields("memory_" + kind)
                + " " + fresh.fields(kind) + " " + recorded.fields("record_" + kind)
        }
        return fields
    }

    static func rulesets(_ state: ClusterState) -> [Ruleset] {
        Pipeline.compileNFTables(state, families: [.ipv4])
    }

    /// One apply of `state`, timed from handing over its compiled tables to the end of the commit.
    static func timedApply(_ state: ClusterState, applier: NFTablesApplier,
                           into namespace: ScratchNamespace) throws -> IncrementalBenchmark.Step {
        let rulesets = rulesets(state)
        let clock = IncrementalBenchmark.Clock()
        var applier = applier
        applier.options.progress = { clock.marks.append(($0, Measure.now())) }
        let start = Measure.now()
        let report = try NetfilterSocket.withSocket(in: namespace.namespace) { socket in
            try applier.apply(rulesets, connection: NetlinkConnection(socket))
        }
        let end = Measure.now()
        guard report.outcome == .applied else { throw NamespaceError("the change was not applied: \(report.outcome)") }
        let read = clock.time { if case .readingKernel = $0 { true } else { false } } ?? start
        let send = clock.time { if case .sending = $0 { true } else { false } } ?? read
        return IncrementalBenchmark.Step(seconds: end - start, readSeconds: read - start, planSeconds: send - read,
                                         commitSeconds: end - send, messages: report.messages, bytes: report.bytes)
    }
}
