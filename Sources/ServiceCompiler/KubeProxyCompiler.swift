import ClusterState
import Dispatch
import NetworkAddresses
import RuleModel

/// Compiles Services and EndpointSlices into the chains kube-proxy v1.30's iptables proxier
/// programs after one full sync on an empty node: the `filter` and `nat` tables of one IP
/// family, chains in the reference dumps' canonical order, built-in chains holding only the
/// jump rules kube-proxy owns there.
public struct KubeProxyCompiler: Sendable {
    /// Endpoint total above which kube-proxy drops per-endpoint comments.
    public static let largeClusterEndpointsThreshold = 1000

    public let settings: NodeSettings

    public init(settings: NodeSettings) {
        self.settings = settings
    }

    public func compile(_ state: ClusterState, family: IPFamily) -> Ruleset {
        let plans = ServicePortPlanner(settings: settings, family: family).plans(for: state)
        let totalEndpoints = plans.reduce(0) { $0 + $1.endpoints.count }
        let emitter = ServicePortEmitter(
            clusterCIDR: settings.clusterCIDR(for: family), masqueradeAll: settings.masqueradeAll,
            nodeIP: settings.nodeIP(for: family),
            largeClusterMode: totalEndpoints > KubeProxyCompiler.largeClusterEndpointsThreshold)
        var (serviceRules, natRunEnds) = emitConcurrently(plans, emitter)

        let fixed = fixedRules(family: family)
        let filter = filterTable(serviceRules, fixed)
        return Ruleset(family: family, tables: [filter, natTable(&serviceRules, runEnds: natRunEnds, fixed)])
    }

    /// Service ports are independent, so large inputs are split into one run per core.
    /// Also returns where each run's chains (sorted by name) end in `natChains`.
    private func emitConcurrently(_ plans: [ServicePortPlan], _ emitter: ServicePortEmitter) -> (ServicePortRules, [Int]) {
        let runs = plans.count >= 2_000 ? 2 : 1
        let results = UnsafeMutablePointer<ServicePortRules>.allocate(capacity: runs)
        defer { results.deallocate() }
        let runLength = (plans.count + runs - 1) / max(runs, 1)
        nonisolated(unsafe) let output = results
        DispatchQueue.concurrentPerform(iterations: runs) { run in
            let lower = min(run * runLength, plans.count)
            let upper = min(lower + runLength, plans.count)
            var rules = ServicePortRules()
            // Up to EXT, FW, SVC and SVL per port, plus one chain per endpoint; room for the
            // whole table in the first run, so that the merge below appends in place.
            let chains = plans[lower..<upper].reduce(0) { $0 + 4 + $1.selection.reachableEndpoints.count }
            rules.natChains.reserveCapacity(run == 0 ? chains * runs + 16 : chains)
            // Plans are borrowed through a buffer pointer: `plans[index]` copies one.
            plans.withUnsafeBufferPointer { plans in
                for index in lower..<upper { emitter.emit(plans[index], into: &rules) }
            }
            // Sorted here, in parallel; the table's final sort then finds long sorted runs.
            rules.natChains.sortByName()
            (output + run).initialize(to: rules)
        }
        // Move the runs out (no copies), then append the later ones to the first.
        var merged = results.move()
        var runEnds = [merged.natChains.count]
        for run in 1..<runs {
            merged.append((results + run).move())
            runEnds.append(merged.natChains.count)
        }
        return (merged, runEnds)
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

    /// Takes the per-port chains out of `rules` (a move: copying 100,000 chains retains
    /// every rule array) and merges their runs, each already sorted by name, with the fixed
    /// chains, after the built-in chains and KUBE-NODEPORTS, KUBE-SERVICES: the canonical order.
    private func natTable(_ rules: inout ServicePortRules, runEnds: [Int], _ fixed: FixedRules) -> Table {
        let names = KubeProxyChains.self
        var chains: [Chain] = []
        swap(&chains, &rules.natChains)
        // KUBE-MARK-MASQ < KUBE-POSTROUTING: one more sorted run.
        chains += [Chain(names.markMasquerade, rules: fixed.markMasquerade),
                   Chain(names.postrouting, rules: fixed.postrouting)]
        let leading = builtinChains(table: names.natTable, fixed) + [
            Chain(names.nodePorts, rules: rules.natNodePorts),
            Chain(names.services, rules: rules.natServices + fixed.nodePortDispatch),
        ]
        return Table(names.natTable, chains: chains.mergingSortedRuns(endingAt: runEnds + [chains.count], after: leading))
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
