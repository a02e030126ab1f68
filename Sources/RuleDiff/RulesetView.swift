import NetworkAddresses
import RuleModel

/// The rules of one Service port, gathered from wherever kube-proxy put them.
struct ServicePortView {
    let name: String
    var proto: L4Protocol?
    /// Its rules in shared chains (KUBE-SERVICES, KUBE-NODEPORTS, filter chains), in order,
    /// each with the entry point its provenance names (nil when it names none).
    var sharedRules: [ChainKey: [(rule: Rule, entry: EntryPoint?)]] = [:]
    /// Its KUBE-SVC/SVL/EXT/FW chains.
    var chains: [ChainKey: Chain] = [:]
    /// Its KUBE-SEP chains.
    var endpointChains: [ChainKey: Chain] = [:]
    /// Which of `chains` dispatch to endpoints (KUBE-SVC/SVL).
    var dispatchChains: Set<ChainKey> = []

    mutating func take(_ chain: Chain, key: ChainKey, owner: ChainOwner) {
        proto = proto ?? owner.proto
        if owner.role == .endpoint { endpointChains[key] = chain } else { chains[key] = chain }
        if owner.role.isDispatch { dispatchChains.insert(key) }
    }

    mutating func take(_ rule: Rule, key: ChainKey, entry: EntryPoint?) {
        if proto == nil { proto = ParsedProvenance.protocolOf([rule]) }
        sharedRules[key, default: []].append((rule, entry))
    }

    /// SEP chains by the endpoint they DNAT to (the chain name when they DNAT nowhere).
    var endpoints: [String: (key: ChainKey, chain: Chain)] {
        var result: [String: (key: ChainKey, chain: Chain)] = [:]
        for (key, chain) in endpointChains { result[ParsedProvenance.endpoint(of: chain) ?? chain.name.description] = (key, chain) }
        return result
    }
}

/// Everything of one table's chain that belongs to no Service port.
struct NodeChain {
    var rules: [Rule]
    /// Base chains: whether the policy accepts.
    var policyAccepts: Bool?
}

/// One ruleset split into Service ports and node-level chains.
struct RulesetView {
    let family: IPFamily
    var servicePorts: [String: ServicePortView] = [:]
    var nodeChains: [ChainKey: NodeChain] = [:]
    /// Tables whose built-in chains hold at least one rule.
    var tablesWithBaseRules: Set<String> = []
    /// Endpoint of every SEP chain, for labelling dispatch rules.
    var endpointOfChain: [ChainKey: String] = [:]
    /// Chains holding a Service port's entry rules (KUBE-SERVICES, KUBE-NODEPORTS, ...).
    var entryChains: Set<ChainKey> = []

    /// The view of `ruleset` by the provenance its chains and rules carry (a dump gets it from
    /// `ParsedProvenance` first).
    init(_ ruleset: Ruleset) {
        family = ruleset.family
        for table in ruleset.tables {
            for chain in table.chains {
                let key = ChainKey(table: table.name, chain: chain.name)
                if chain.isBase && !chain.rules.isEmpty { tablesWithBaseRules.insert(table.name) }
                if let owner = ChainOwner(chain, in: table) {
                    // Changed in place: a copy taken out of the dictionary would copy its chains.
                    servicePorts[owner.name, default: ServicePortView(name: owner.name)].take(chain, key: key, owner: owner)
                    if owner.role == .endpoint {
                        endpointOfChain[key] = ParsedProvenance.endpoint(of: chain) ?? chain.name.description
                    }
                    continue
                }
                var node = NodeChain(rules: [], policyAccepts: chain.attachment?.policyAccepts)
                for rule in chain.rules {
                    // Rules of unidentified service chains stay with their chain.
                    if case .servicePort(let source, .entry(let entry))? = table.provenance(rule.provenanceID) {
                        entryChains.insert(key)
                        servicePorts[source.name, default: ServicePortView(name: source.name)].take(rule, key: key, entry: entry)
                    } else {
                        node.rules.append(rule)
                    }
                }
                nodeChains[key] = node
            }
        }
    }
}
