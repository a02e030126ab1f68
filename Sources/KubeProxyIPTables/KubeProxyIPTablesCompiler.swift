import ClusterState
import NetworkAddresses
import PairedThreads
import RuleModel
import ServiceCompiler

/// Compiles Services and EndpointSlices into the chains kube-proxy v1.30's iptables proxier
/// programs after one full sync on an empty node: the `filter` and `nat` tables of one IP
/// family, chains in the reference dumps' canonical order, built-in chains holding only the
/// jump rules kube-proxy owns there.
public struct KubeProxyIPTablesCompiler: Sendable {
    /// Endpoint total above which kube-proxy drops per-endpoint comments.
    public static let largeClusterEndpointsThreshold = 1000

    public let settings: NodeSettings

    public init(settings: NodeSettings) {
        self.settings = settings
    }

    public func compile(_ state: ClusterState, family: IPFamily) -> Ruleset {
        let plans = ServicePortPlanner(settings: settings, family: family).plans(for: state)
        let totalEndpoints = plans.buffer.reduce(0) { $0 + $1.endpoints.count }
        let emitter = ServicePortEmitter(
            clusterCIDR: settings.clusterCIDR(for: family), masqueradeAll: settings.masqueradeAll,
            nodeIP: settings.nodeIP(for: family),
            largeClusterMode: totalEndpoints > KubeProxyIPTablesCompiler.largeClusterEndpointsThreshold)
        let fixed = fixedRules(family: family)
        // KUBE-MARK-MASQ and KUBE-POSTROUTING are sorted in with the first run's chains.
        let fixedNatChains = [Chain(KubeProxyChains.markMasquerade, rules: fixed.markMasquerade),
                              Chain(KubeProxyChains.postrouting, rules: fixed.postrouting)]
        let (serviceRules, sortedRuns) = emitConcurrently(plans, emitter, fixedNatChains: fixedNatChains)
        var natRuns = sortedRuns

        var filter = filterTable(serviceRules, fixed)
        var nat = natTable(serviceRules, runs: &natRuns, fixed)
        // Both tables hold rules of every run: they share the runs' provenance.
        filter.provenances = serviceRules.provenanceStore
        nat.provenances = filter.provenances
        return Ruleset(family: family, tables: [filter, nat])
    }

    /// Service ports are independent, so large inputs are split into one run per core.
    /// Also returns each run's chains with their name order (the first run's with `fixedNatChains`);
    /// the runs free the plans they emitted.
    private func emitConcurrently(_ plans: consuming ServicePortPlans, _ emitter: ServicePortEmitter,
                                  fixedNatChains: [Chain]) -> (ServicePortRules, [NameOrderedChains]) {
        nonisolated(unsafe) let planBuffer = plans.buffer
        let runs = planBuffer.count >= 2_000 ? 2 : 1
        let results = UnsafeMutablePointer<ServicePortRules>.allocate(capacity: runs)
        let orderedChains = UnsafeMutablePointer<NameOrderedChains>.allocate(capacity: runs)
        defer {
            results.deallocate()
            orderedChains.deallocate()
        }
        let runLength = (planBuffer.count + runs - 1) / max(runs, 1)
        nonisolated(unsafe) let (output, orders) = (results, orderedChains)
        let emitRun: @Sendable (Int) -> Void = { run in
            let lower = min(run * runLength, planBuffer.count)
            let upper = min(lower + runLength, planBuffer.count)
            var rules = ServicePortRules(run: run)
            // Up to EXT, FW, SVC and SVL per port, plus one chain per endpoint.
            let chainCount = planBuffer[lower..<upper].reduce(0) { $0 + 4 + $1.selection.reachableEndpoints.count }
            rules.natChains.reserveCapacity(chainCount + (run == 0 ? fixedNatChains.count : 0))
            // A provenance per chain, and about one per port for its entry rules.
            rules.provenance.reserveCapacity(chainCount + (upper - lower), ports: upper - lower)
            // Plans are borrowed in place: the buffer's subscript copies one.
            for index in lower..<upper { emitter.emit((planBuffer.baseAddress! + index).pointee, into: &rules) }
            // Each run frees its own plans, in parallel.
            (planBuffer.baseAddress! + lower).deinitialize(count: upper - lower)
            if run == 0 { rules.natChains += fixedNatChains }
            // Their order is worked out here, in parallel; the table's merge applies it.
            var chains: [Chain] = []
            swap(&chains, &rules.natChains)
            (orders + run).initialize(to: NameOrderedChains(chains))
            (output + run).initialize(to: rules)
        }
        // The same two threads as the planner and the printer (see PairedThreads).
        if runs == 2 { PairedThreads.run(emitRun) } else { emitRun(0) }
        plans.deallocateDeinitialized()
        // Move the runs out (no copies), appending the later ones' rules to the first's.
        var merged = results.move()
        for run in 1..<runs { merged.append((results + run).move()) }
        return (merged, (0..<runs).map { (orderedChains + $0).move() })
    }

    private func fixedRules(family: IPFamily) -> FixedRules {
        let familyCIDRs = settings.nodePortAddressesPrimary
            ? settings.nodeIPs.filter { $0.family == family }.map { IPPrefix(host: $0) }
            : settings.nodePortAddresses.filter { $0.family == family }
        let matchAll = familyCIDRs.isEmpty || familyCIDRs.contains { $0.length == 0 }
        // kube-proxy turns localhost NodePorts off unless the NodePort addresses cover 127.0.0.1.
        let coversLoopback = matchAll || familyCIDRs.contains { $0.contains(IPAddress.v4(0x7f00_0001)) }
        var nodePortAddresses: [IPAddress]? = nil
        if !matchAll {
            var seen = Set<IPAddress>()
            nodePortAddresses = settings.interfaceAddresses.map(\.address).filter { address in
                familyCIDRs.contains { $0.contains(address) } && seen.insert(address).inserted
            }
        }
        return FixedRules(
            family: family, // Settings are validated before compiling, so the mark always parses.
            mark: MarkValue(parsing: settings.masqueradeMark) ?? MarkValue(0x4000),
            randomFully: settings.iptablesRandomFully, conntrackTCPLiberal: settings.conntrackTCPLiberal,
            localhostNodePorts: family == .ipv4 && settings.localhostNodePorts && coversLoopback,
            nodePortAddresses: nodePortAddresses)
    }

    private func filterTable(_ rules: ServicePortRules, _ fixed: FixedRules) -> Table {
        let names = KubeProxyChains.self
        var chains = builtinChains(table: names.filterTable, fixed)
        chains += [
            Chain(names.services, rules: rules.filterServices),
            Chain(names.externalServices, rules: rules.filterExternalServices),
            Chain(names.forward, rules: fixed.forward),
            Chain(names.nodePorts, rules: rules.filterNodePorts),
            Chain(names.proxyFirewall, rules: rules.filterProxyFirewall),
        ]
        if fixed.writesLocalhostFirewall {
            chains.append(Chain(names.firewall, rules: fixed.localhostFirewall))
        }
        var table = Table(names.filterTable, chains: chains)
        table.sortChains(leading: [names.nodePorts, names.services], groupPrefix: "KUBE-")
        return table
    }

    /// The built-in chains, KUBE-NODEPORTS and KUBE-SERVICES, then the per-port and fixed
    /// chains merged from their sorted runs (moved: copying 100,000 chains retains every rule
    /// array): the canonical order.
    private func natTable(_ rules: ServicePortRules, runs: inout [NameOrderedChains], _ fixed: FixedRules) -> Table {
        let names = KubeProxyChains.self
        let leading = builtinChains(table: names.natTable, fixed) + [
            Chain(names.nodePorts, rules: rules.natNodePorts),
            Chain(names.services, rules: rules.natServices + fixed.nodePortDispatch),
        ]
        return Table(names.natTable, chains: .mergingSorted(&runs, after: leading))
    }

    private func builtinChains(table: String, _ fixed: FixedRules) -> [Chain] {
        let jumps = fixed.builtinJumps(table: table)
        return Hook.allCases.compactMap { hook in
            guard let rules = jumps[hook] else { return nil }
            return Chain(ChainName(hook.rawValue), rules: rules,
                         attachment: KubeProxyChains.builtinAttachment(table: table, chain: hook))
        }
    }
}
