import ClusterState
import NetworkAddresses
import PairedThreads
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
        let fixedChains = fixed.chains
        var laidOutObjects: ServicePortObjects? = nil
        // The Service ports' chains are built into the array itself, then the fixed ones follow.
        let chains = [Chain](unsafeUninitializedCapacity: Self.chainBound(plans) + fixedChains.count) { buffer, count in
            let laidOut = Self.layOut(plans, ServicePortLayout(settings: layoutSettings), into: buffer.baseAddress!)
            laidOutObjects = laidOut.objects
            count = laidOut.count
            for chain in fixedChains {
                (buffer.baseAddress! + count).initialize(to: chain)
                count += 1
            }
        }
        let objects = laidOutObjects!

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
    /// laid out in two halves on two threads.
    private static func runs(_ plans: [ServicePortPlan]) -> Int { plans.count >= 2_000 ? 2 : 1 }

    /// Room for every chain `plans` can lay out.
    private static func chainBound(_ plans: [ServicePortPlan]) -> Int {
        plans.reduce(0) { $0 + ChainSink.bound($1) }
    }

    /// Lays the plans out, each thread's chains into its own region of `chains`, then moves the
    /// later regions' chains down behind the first's (a bitwise move): they are the first
    /// `count` chains, in plan order.
    private static func layOut(_ plans: [ServicePortPlan], _ layout: ServicePortLayout,
                               into chains: UnsafeMutablePointer<Chain>) -> (objects: ServicePortObjects, count: Int) {
        let runs = runs(plans)
        let runLength = (plans.count + runs - 1) / max(runs, 1)
        let parts = (0..<runs).map { run in
            min(run * runLength, plans.count)..<min((run + 1) * runLength, plans.count)
        }
        var starts = [0]
        for run in 0..<runs { starts.append(starts[run] + plans[parts[run]].reduce(0) { $0 + ChainSink.bound($1) }) }
        let regionStarts = starts
        let results = UnsafeMutableBufferPointer<ServicePortObjects>.allocate(capacity: runs)
        defer { results.deallocate() }
        nonisolated(unsafe) let output = results
        nonisolated(unsafe) let chains = chains
        plans.withUnsafeBufferPointer { plans in
            nonisolated(unsafe) let plans = plans
            let layOutPart: @Sendable (Int) -> Void = { run in
                var objects = ServicePortObjects(part: run, chains: ChainSink(
                    base: chains + regionStarts[run], capacity: regionStarts[run + 1] - regionStarts[run]))
                for index in parts[run] { layout.add(plans[index], to: &objects) }
                (output.baseAddress! + run).initialize(to: objects)
            }
            if runs == 2 { PairedThreads.run(layOutPart) } else { layOutPart(0) }
        }
        var joined = (results.baseAddress!).move()
        var count = joined.chains.count
        for run in 1..<runs {
            let objects = (results.baseAddress! + run).move()
            (chains + count).moveInitialize(from: chains + regionStarts[run], count: objects.chains.count)
            count += objects.chains.count
            joined.append(objects)
        }
        return (joined, count)
    }
}
