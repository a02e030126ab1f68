#if canImport(Glibc)
import Glibc
#endif
import ClusterState
import NetfilterApply
import NetworkNamespaces
import PacketPath

/// `packetpath-bench nft-apply N [one]`: N ClusterIP Services × 10 endpoints in kube-proxy's
/// nftables layout, (a) applied natively (`apply --backend nftables`, new tables staged) into a
/// fresh namespace: wall time, transactions, peak RSS of this process; (b) the same rules
/// loaded by `nft -f` as ../shared/perf/BASELINES.md does it: one setup transaction (table,
/// base and static chains, sets, maps), then one `nft -f` per 500 Services; with `one`, (c)
/// `nft -f` of the whole text in one transaction (≈ 100 s at 10,000); with `native`, (a) only.
/// Beside each wall time its CPU time (user + system: this process's for (a), the `nft`
/// processes' for (b) and (c)), which other load on the machine moves much less.
/// Prints one line of `key=value` fields.
enum NFTApplyBenchmark {
    static func run(services: Int, oneTransaction: Bool, nativeOnly: Bool = false) throws -> String {
        let state = SyntheticCluster.state(services: services)
        let rulesets = Pipeline.compileNFTables(state, families: [.ipv4])
        let native = try ScratchNamespace(tag: "bench-nft")
        defer { native.remove() }
        let compiledPeak = Measure.peakRSSOfSelf()
        let startCPU = Measure.processCPU()
        let start = Measure.now()
        let report = try NFTablesApplier(staging: limits).apply(rulesets, into: native.namespace)
        let nativeSeconds = Measure.now() - start
        let nativeCPU = Measure.processCPU() - startCPU
        let peak = Measure.peakRSSOfSelf()
        guard report.outcome == .applied else { throw NamespaceError("the native apply did not apply: \(report.outcome)") }
        var line = "nft-apply services=\(services) native_seconds=\(nativeSeconds) native_peak_mb=\(peak) compiled_peak_mb=\(compiledPeak)"
            + " transactions=\(report.transactions) messages=\(report.messages) bytes=\(report.bytes)"
            + " native_cpu_seconds=\(nativeCPU)"

        if nativeOnly { return line }
        let batches = try batchTexts(state, size: 500)
        let batched = try ScratchNamespace(tag: "bench-nftb")
        defer { batched.remove() }
        let batchStartCPU = Measure.childrenCPU()
        let batchStart = Measure.now()
        for text in batches { try load(text, into: batched) }
        line += " batched_seconds=\(Measure.now() - batchStart) batches=\(batches.count)"
            + " batched_cpu_seconds=\(Measure.childrenCPU() - batchStartCPU)"

        if oneTransaction {
            let text = try Pipeline.nftText(rulesets)[0].text.bytes
            let whole = try ScratchNamespace(tag: "bench-nft1")
            defer { whole.remove() }
            let wholeStartCPU = Measure.childrenCPU()
            let wholeStart = Measure.now()
            try load(text, into: whole)
            line += " one_transaction_seconds=\(Measure.now() - wholeStart)"
                + " one_transaction_cpu_seconds=\(Measure.childrenCPU() - wholeStartCPU)"
        }
        return line
    }

    /// The staging limits: the applier's own, or `PACKETPATH_BENCH_NFT_LIMITS=MESSAGES,MAPS`
    /// to compare others.
    static var limits: NFTablesStaging.Limits {
        guard let raw = getenv("PACKETPATH_BENCH_NFT_LIMITS") else { return .standard }
        let numbers = String(cString: raw).split(separator: ",").compactMap { Int($0) }
        guard numbers.count == 2 else { return .standard }
        return NFTablesStaging.Limits(messages: numbers[0], anonymousSets: numbers[1])
    }

    static func load(_ text: [UInt8], into namespace: ScratchNamespace) throws {
        let result = try namespace.exec(["nft", "-f", "-"], input: text)
        guard result.succeeded else { throw NamespaceError("nft -f failed: \(result.stderr)") }
    }

    /// The setup transaction (the layout of a cluster without Services), then per `size`
    /// Services their chains, rules and elements: together the one-transaction load's ruleset.
    static func batchTexts(_ state: ClusterState, size: Int) throws -> [[UInt8]] {
        var setup = state
        setup.services = []
        setup.endpointSlices = []
        var texts = [try text(setup) { _ in true }]
        for first in stride(from: 0, to: state.services.count, by: size) {
            let range = first..<min(first + size, state.services.count)
            var part = state
            part.services = Array(state.services[range])
            part.endpointSlices = Array(state.endpointSlices[range])
            texts.append(try text(part) { line in
                if line.hasPrefix("add element ") { return true }
                guard line.hasPrefix("add chain ") || line.hasPrefix("add rule ") else { return false }
                // Service and endpoint chains name the Service with slashes; the static ones do not.
                let fields = line.split(separator: " ", maxSplits: 5)
                return fields.count > 4 && fields[4].contains("/")
            })
        }
        return texts
    }

    private static func text(_ state: ClusterState, keeping keep: (Substring) -> Bool) throws -> [UInt8] {
        let printed = try Pipeline.nftText(Pipeline.compileNFTables(state, families: [.ipv4]))[0].text.string
        let lines = printed.split(separator: "\n").filter(keep)
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }
}
