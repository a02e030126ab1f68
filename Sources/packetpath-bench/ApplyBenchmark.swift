#if canImport(Glibc)
import Glibc
#endif
import IPTablesText
import NetfilterApply
import NetworkNamespaces
import PacketPath

/// `packetpath-bench apply N`: N ClusterIP Services × 10 ready endpoints, compiled in memory,
/// then (a) applied over netlink into a fresh namespace, (c) re-applied unchanged (the
/// generation shortcut, and a forced read-back), and (b) loaded with `iptables-restore` into
/// another fresh namespace. Prints one line of `key=value` fields.
enum ApplyBenchmark {
    static func run(services: Int, withRestore: Bool = true) throws -> String {
        let state = SyntheticCluster.state(services: services)
        let compileStart = Measure.now()
        let rulesets = Pipeline.compileServices(state, families: [.ipv4])
        let compileSeconds = Measure.now() - compileStart
        let compilePeak = Measure.peakRSSOfSelf()

        let netlinkNamespace = try ScratchNamespace(tag: "bench-nl")
        defer { netlinkNamespace.remove() }
        // PACKETPATH_BENCH_PHASES=1 prints each apply step with its time on stderr.
        let phases = getenv("PACKETPATH_BENCH_PHASES") != nil
        let applier = NetfilterApplier(options: ApplyOptions(progress: phases ? phasePrinter(since: Measure.now()) : nil))
        let applyStart = Measure.now()
        let report = try applier.apply(rulesets, into: netlinkNamespace.namespace)
        let applySeconds = Measure.now() - applyStart
        let applyPeak = Measure.peakRSSOfSelf()

        if getenv("PACKETPATH_BENCH_PHASES") != nil {
            let emptyStart = Measure.now()
            _ = try applier.apply([], into: netlinkNamespace.namespace)
            let line = "  empty apply: \(Measure.now() - emptyStart)s\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
        }
        let reapplyStart = Measure.now()
        let unchanged = try applier.apply(rulesets, into: netlinkNamespace.namespace)
        let reapplySeconds = Measure.now() - reapplyStart
        let readBackStart = Measure.now()
        let verified = try NetfilterApplier(options: ApplyOptions(alwaysReadBack: true))
            .apply(rulesets, into: netlinkNamespace.namespace)
        let readBackSeconds = Measure.now() - readBackStart
        guard report.outcome == .applied, unchanged.outcome == .unchangedSinceLastApply,
              verified.outcome == .unchangedAfterReadBack else {
            throw NamespaceError("unexpected outcomes: \(report.outcome), \(unchanged.outcome), \(verified.outcome)")
        }

        // (d) One Service's endpoint moves: only its chains are rewritten (see `incremental`).
        var changed = state
        changed.endpointSlices[0].endpoints[0].address = .v4(0x0aff_ff01)
        changed.endpointSlices[0].endpoints[0].addressText = "10.255.255.1"
        let changedRulesets = Pipeline.compileServices(changed, families: [.ipv4])
        let changeStart = Measure.now()
        let changeReport = try applier.apply(changedRulesets, into: netlinkNamespace.namespace)
        let changeSeconds = Measure.now() - changeStart
        guard changeReport.outcome == .applied else { throw NamespaceError("the changed state was not applied") }

        var line = "apply services=\(services) rules=\(rulesets[0].ruleCount) compile_seconds=\(compileSeconds)"
            + " compile_peak_mb=\(compilePeak)"
            + " netlink_seconds=\(applySeconds) netlink_peak_mb=\(applyPeak) messages=\(report.messages)"
            + " bytes=\(report.bytes) reapply_seconds=\(reapplySeconds) readback_seconds=\(readBackSeconds)"
            + " change_seconds=\(changeSeconds)"
        guard withRestore else { return line }

        let text = try IPTablesTextWriter().bytes(rulesets[0])
        let restoreNamespace = try ScratchNamespace(tag: "bench-ipt")
        defer { restoreNamespace.remove() }
        let restoreStart = Measure.now()
        let restore = try restoreNamespace.exec(["iptables-restore"], input: text)
        let restoreSeconds = Measure.now() - restoreStart
        guard restore.succeeded else { throw NamespaceError("iptables-restore failed: \(restore.stderr)") }

        line += " restore_seconds=\(restoreSeconds)"
        return line
    }

    static func phasePrinter(since start: Double) -> @Sendable (ApplyProgress) -> Void {
        { step in
            let line = "  +\(Measure.now() - start)s rss=\(currentRSS())MB \(step)\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
        }
    }

    /// Resident set size now, in MB (for the phase lines).
    static func currentRSS() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0
        var resident = 0
        guard withUnsafeMutablePointer(to: &size, { sizePointer in
            withUnsafeMutablePointer(to: &resident) { fscanf_pair(file, sizePointer, $0) }
        }) else { return 0 }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE))) / (1 << 20)
    }

    private static func fscanf_pair(_ file: UnsafeMutablePointer<FILE>, _ first: UnsafeMutablePointer<Int>,
                                    _ second: UnsafeMutablePointer<Int>) -> Bool {
        withVaList([first, second]) { vfscanf(file, "%ld %ld", $0) } == 2
    }
}
