import ClusterState
import Dispatch
import NetworkAddresses
import RuleModel
import ServiceCompiler

/// Compiles Services and EndpointSlices into the table kube-proxy v1.30's nftables proxier
/// programs after one full sync on an empty node: `ip kube-proxy` or `ip6 kube-proxy`, one
/// table per family (dual-stack kube-proxy runs one proxier per family).
///
/// The table holds its objects in the order they were built; the order `nft -f` text lists
/// them in is the printer's business.
public struct KubeProxyNFTablesCompiler: Sendable {
    public let settings: NodeSettings

    public init(settings: NodeSettings) {
        self.settings = settings
    }

    public func compile(_ state: ClusterState, family: IPFamily) -> Ruleset {
        table(for: ServicePortPlanning.plans(state, settings: settings, family: family), family: family)
    }

    /// The table for already planned Service ports (of `family`, in kube-proxy's order).
    public func table(for plans: [ServicePortPlan], family: IPFamily) -> Ruleset {
        let layoutSettings = LayoutSettings(settings, family: family)
        let fixed = StaticLayout(settings: layoutSettings)
        var (objects, runChains) = Self.layOut(plans, ServicePortLayout(settings: layoutSettings))
        // Moved, not copied: copying 100,000 chains retains every name and rule array (and
        // freeing the copied-from arrays releases them). One allocation of the final size.
        var fixedChains = fixed.chains
        var chains: [Chain] = []
        chains.reserveCapacity(runChains.reduce(fixedChains.count) { $0 + $1.count })
        for run in runChains.indices { chains.moveAppending(&runChains[run]) }
        chains.moveAppending(&fixedChains)

        var sets = fixed.sets
        for index in sets.indices where sets[index].name == NFTablesNames.clusterIPs {
            sets[index].elements = objects.clusterIPs
        }
        sets += objects.affinitySets
        var maps = fixed.maps
        for index in maps.indices {
            switch maps[index].name {
            case NFTablesNames.serviceIPs: maps[index].entries = objects.serviceIPs
            case NFTablesNames.serviceNodePorts: maps[index].entries = objects.serviceNodePorts
            case NFTablesNames.firewallIPs: maps[index].entries = objects.firewallIPs
            case NFTablesNames.noEndpointServices: maps[index].entries = objects.noEndpointServices
            case NFTablesNames.noEndpointNodePorts: maps[index].entries = objects.noEndpointNodePorts
            default: break
            }
        }
        let table = Table(NFTablesNames.table, chains: chains, sets: sets, maps: maps,
                          family: layoutSettings.tableFamily, comment: NFTablesNames.tableComment,
                          provenances: objects.provenanceStore)
        return Ruleset(family: family, tables: [table])
    }

    /// Service ports are independent (a SHA-256 per chain name dominates): large inputs are
    /// laid out in two halves on two threads, then joined; each half's chains are returned
    /// apart, for the caller to move into the table's one array.
    private static func layOut(_ plans: [ServicePortPlan], _ layout: ServicePortLayout)
        -> (ServicePortObjects, runChains: [[Chain]]) {
        let runs = plans.count >= 2_000 ? 2 : 1
        let runLength = (plans.count + runs - 1) / max(runs, 1)
        let results = UnsafeMutableBufferPointer<ServicePortObjects>.allocate(capacity: runs)
        defer { results.deallocate() }
        nonisolated(unsafe) let output = results
        plans.withUnsafeBufferPointer { plans in
            nonisolated(unsafe) let plans = plans
            DispatchQueue.concurrentPerform(iterations: runs) { run in
                let part = plans[min(run * runLength, plans.count)..<min((run + 1) * runLength, plans.count)]
                var objects = ServicePortObjects(part: run)
                objects.chains.reserveCapacity(part.reduce(0) { $0 + 3 + $1.selection.reachableEndpoints.count })
                for index in part.indices { layout.add(plans[index], to: &objects) }
                (output.baseAddress! + run).initialize(to: objects)
            }
        }
        var runChains: [[Chain]] = []
        var joined = (results.baseAddress!).move()
        runChains.append(joined.takeChains())
        for run in 1..<runs {
            var objects = (results.baseAddress! + run).move()
            runChains.append(objects.takeChains())
            joined.append(objects)
        }
        return (joined, runChains)
    }
}
