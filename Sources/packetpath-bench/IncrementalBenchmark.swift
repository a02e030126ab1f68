#if canImport(Glibc)
import Glibc
#endif
import ClusterState
import IPTablesText
import NetfilterApply
import NetworkAddresses
import NetworkNamespaces
import PacketPath
import RuleModel

/// `packetpath-bench incremental N`: N ClusterIP Services × 10 endpoints applied over netlink
/// into a fresh namespace, then timed: one more endpoint, one more Service (each: read, plan,
/// commit, with the messages and bytes sent) by the applier that made the first apply and
/// keeps its `ApplyMemory` (as `apply --watch` does; `memory_` fields), the same by a fresh
/// applier (as one `packetpath apply` process), and in the same namespace the
/// `iptables-restore --noflush` baselines of ../shared/perf/BASELINES.md for the same kind of
/// change: the minimal delta (the changed and new chains, and for a new Service one
/// `-I KUBE-SERVICES 1`) and kube-proxy's partial sync (`partial_` fields: KUBE-SERVICES,
/// KUBE-NODEPORTS, KUBE-POSTROUTING and KUBE-MARK-MASQ re-declared and refilled, plus the
/// new and changed chains). Prints one line of `key=value` fields.
enum IncrementalBenchmark {
    struct Step {
        var seconds = 0.0
        var readSeconds = 0.0
        var planSeconds = 0.0
        var commitSeconds = 0.0
        var messages = 0
        var bytes = 0

        func fields(_ prefix: String) -> String {
            "\(prefix)_seconds=\(seconds) \(prefix)_read_seconds=\(readSeconds) \(prefix)_plan_seconds=\(planSeconds)"
                + " \(prefix)_commit_seconds=\(commitSeconds) \(prefix)_messages=\(messages) \(prefix)_bytes=\(bytes)"
        }
    }

    /// Phase times from the apply's progress reports.
    final class Clock: @unchecked Sendable {
        var marks: [(ApplyProgress, Double)] = []
        func time(of wanted: (ApplyProgress) -> Bool) -> Double? { marks.first { wanted($0.0) }?.1 }
    }

    static func run(services: Int) throws -> String {
        var state = SyntheticCluster.state(services: services)
        let namespace = try ScratchNamespace(tag: "bench-inc")
        defer { namespace.remove() }
        let memory = ApplyMemory()
        _ = try NetfilterApplier(options: ApplyOptions(memory: memory))
            .apply(Pipeline.compileServices(state, families: [.ipv4]), into: namespace.namespace)

        // The applier that made the first apply, remembering it.
        state = withOneMoreEndpoint(state, slice: 1)
        let memoryEndpoint = try timedApply(state, into: namespace, memory: memory)
        state = withOneMoreService(state, index: services)
        let memoryService = try timedApply(state, into: namespace, memory: memory)
        // A fresh applier each time, as one `packetpath apply` process.
        state = withOneMoreEndpoint(state, slice: 2)
        let endpoint = try timedApply(state, into: namespace)
        state = withOneMoreService(state, index: services + 1)
        let service = try timedApply(state, into: namespace)

        // Baselines, same namespace, same kind of change on other Services.
        let restoreEndpoint = try restoreDelta(from: state, to: withOneMoreEndpoint(state, slice: 3), in: namespace)
        state = withOneMoreEndpoint(state, slice: 3)
        let restoreService = try restoreDelta(from: state, to: withOneMoreService(state, index: services + 2), in: namespace)
        state = withOneMoreService(state, index: services + 2)
        let partialEndpoint = try restoreDelta(from: state, to: withOneMoreEndpoint(state, slice: 4), in: namespace, partialSync: true)
        state = withOneMoreEndpoint(state, slice: 4)
        let partialService = try restoreDelta(from: state, to: withOneMoreService(state, index: services + 3), in: namespace,
                                              partialSync: true)
        return "incremental services=\(services) " + endpoint.fields("endpoint") + " " + service.fields("service")
            + " " + memoryEndpoint.fields("memory_endpoint") + " " + memoryService.fields("memory_service")
            + " restore_endpoint_seconds=\(restoreEndpoint.seconds) restore_endpoint_lines=\(restoreEndpoint.lines)"
            + " restore_service_seconds=\(restoreService.seconds) restore_service_lines=\(restoreService.lines)"
            + " partial_endpoint_seconds=\(partialEndpoint.seconds) partial_endpoint_lines=\(partialEndpoint.lines)"
            + " partial_service_seconds=\(partialService.seconds) partial_service_lines=\(partialService.lines)"
    }

    static func timedApply(_ state: ClusterState, into namespace: ScratchNamespace, memory: ApplyMemory? = nil) throws -> Step {
        let rulesets = Pipeline.compileServices(state, families: [.ipv4])
        let clock = Clock()
        let start = Measure.now()
        let applier = NetfilterApplier(options: ApplyOptions(progress: { clock.marks.append(($0, Measure.now())) }, memory: memory))
        let report = try applier.apply(rulesets, into: namespace.namespace)
        let end = Measure.now()
        guard report.outcome == .applied else { throw NamespaceError("the change was not applied: \(report.outcome)") }
        let read = clock.time { if case .readingKernel = $0 { true } else { false } } ?? start
        let send = clock.time { if case .sending = $0 { true } else { false } } ?? read
        let encoded = clock.time { if case .encoding = $0 { true } else { false } } ?? start
        return Step(seconds: end - start, readSeconds: read - encoded, planSeconds: send - read, commitSeconds: end - send,
                    messages: report.messages, bytes: report.bytes)
    }

    static func withOneMoreEndpoint(_ state: ClusterState, slice: Int) -> ClusterState {
        var state = state
        let text = "10.250.\(slice / 256 % 256).\(slice % 256)"
        state.endpointSlices[slice].endpoints.append(Endpoint(addressText: text, address: IPAddress(text)!,
                                                              conditions: EndpointConditions(ready: true), nodeName: "node0"))
        return state
    }

    static func withOneMoreService(_ state: ClusterState, index: Int) -> ClusterState {
        var state = state
        let extra = SyntheticCluster.state(services: index + 1)
        state.services.append(extra.services[index])
        state.endpointSlices.append(extra.endpointSlices[index])
        return state
    }

    /// Chains kube-proxy's partial sync re-declares (so flushes) and refills every time.
    static let partialSyncChains: Set<ChainName> = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"]

    /// Times `iptables-restore --noflush` of the minimal delta from `old` to `new`: every
    /// chain that is new or whose rules changed, re-declared (so flushed) and refilled; a new
    /// rule in KUBE-SERVICES goes in with `-I KUBE-SERVICES 1`. With `partialSync`, what
    /// kube-proxy sends instead: the nat table's new and changed chains plus
    /// `partialSyncChains`, all re-declared and refilled whole.
    static func restoreDelta(from old: ClusterState, to new: ClusterState, in namespace: ScratchNamespace,
                             partialSync: Bool = false) throws -> (seconds: Double, lines: Int) {
        let before = Pipeline.compileServices(old, families: [.ipv4])[0]
        let after = Pipeline.compileServices(new, families: [.ipv4])[0]
        var text = ""
        var lines = 0
        for table in after.tables {
            let previous = before.tables.first { $0.name == table.name }
            let oldChains = Dictionary((previous?.chains ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            var changed: [Chain] = []
            var dispatch: [Rule] = []
            if partialSync {
                guard table.name == "nat" else { continue }
                let sent = table.chains.filter { chain in
                    chain.attachment == nil && (Self.partialSyncChains.contains(chain.name) || oldChains[chain.name] != chain)
                }
                let delta = try IPTablesTextWriter().text(Ruleset(family: .ipv4, tables: [Table(table.name, chains: sent)]))
                    .split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n") + "\n"
                text += delta
                lines += delta.split(separator: "\n").count
                continue
            }
            for chain in table.chains where chain.attachment == nil && oldChains[chain.name] != chain {
                if chain.name == "KUBE-SERVICES", let old = oldChains[chain.name] {
                    dispatch = chain.rules.filter { !old.rules.contains($0) }
                } else {
                    changed.append(chain)
                }
            }
            guard !changed.isEmpty || !dispatch.isEmpty else { continue }
            let single = Ruleset(family: .ipv4, tables: [Table(table.name, chains: changed + [Chain("KUBE-SERVICES", rules: dispatch)])])
            var delta = ""
            for line in try IPTablesTextWriter().text(single).split(separator: "\n") {
                if line.hasPrefix(":KUBE-SERVICES ") || line.hasPrefix("#") { continue }
                delta += (line.hasPrefix("-A KUBE-SERVICES ") ? "-I KUBE-SERVICES 1 " + line.dropFirst(17) : line) + "\n"
            }
            text += delta
            lines += delta.split(separator: "\n").count
        }
        let start = Measure.now()
        let result = try namespace.exec(["iptables-restore", "--noflush"], input: Array(text.utf8))
        let seconds = Measure.now() - start
        guard result.succeeded else { throw NamespaceError("iptables-restore --noflush failed: \(result.stderr)") }
        return (seconds, lines)
    }
}
