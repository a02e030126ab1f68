import NetworkAddresses
import RuleModel

/// A chain of one table.
struct ChainKey: Hashable, Comparable, Sendable {
    let table: String
    let chain: ChainName

    static func < (lhs: ChainKey, rhs: ChainKey) -> Bool {
        lhs.table != rhs.table ? lhs.table < rhs.table : lhs.chain < rhs.chain
    }

    var label: String { "\(table) \(chain)" }
}

/// The Service port a per-service chain belongs to, and how that was found out.
struct ChainOwner: Sendable {
    let name: String
    let proto: L4Protocol?
    let role: ChainRole
}

/// Who owns every chain and rule of one ruleset: per-service chains (KUBE-SVC/SVL/EXT/FW/SEP)
/// by their hash or comments, rules in shared chains (KUBE-SERVICES, KUBE-NODEPORTS, ...) by
/// their comment or the chain they jump to. What belongs to no Service port is node-level.
struct Attribution {
    private(set) var chainOwners: [ChainKey: ChainOwner] = [:]
    /// Per-service chains (by name) whose owner could not be found.
    private(set) var unidentified: Set<ChainKey> = []

    init(_ ruleset: Ruleset, names: ServicePortNames) {
        for table in ruleset.tables {
            // Rules that jump to each chain (and the chain they are in), for naming a chain from its callers.
            var callers: [ChainName: [(from: ChainName, rule: Rule)]] = [:]
            for chain in table.chains {
                for rule in chain.rules {
                    for target in rule.verdict?.targetChains ?? [] { callers[target, default: []].append((chain.name, rule)) }
                }
            }
            // Service-port chains first: SEP chains are then named from the chains jumping to them.
            for chain in table.chains {
                guard let (role, suffix) = ChainRole.of(chain.name), role != .endpoint else { continue }
                let key = ChainKey(table: table.name, chain: chain.name)
                if let found = names.servicePort(forHash: suffix) {
                    chainOwners[key] = ChainOwner(name: found.name, proto: found.proto, role: role)
                } else if let name = Attribution.commentName(chain.rules) ?? Attribution.commentName((callers[chain.name] ?? []).map(\.rule)) {
                    chainOwners[key] = ChainOwner(name: name, proto: Attribution.protocolOf(chain.rules), role: role)
                } else {
                    unidentified.insert(key)
                }
            }
            for chain in table.chains {
                guard let (role, suffix) = ChainRole.of(chain.name), role == .endpoint else { continue }
                let key = ChainKey(table: table.name, chain: chain.name)
                let proto = Attribution.protocolOf(chain.rules)
                if let name = Attribution.commentName(chain.rules) {
                    chainOwners[key] = ChainOwner(name: name, proto: proto, role: role)
                    continue
                }
                // Large-cluster mode drops SEP comments: take the owner of the dispatch chains
                // jumping here, or the Service port whose hash with this endpoint gives the name.
                let callerOwners = (callers[chain.name] ?? []).compactMap {
                    chainOwners[ChainKey(table: table.name, chain: $0.from)]
                }
                if let owner = callerOwners.first {
                    chainOwners[key] = ChainOwner(name: owner.name, proto: owner.proto ?? proto, role: role)
                } else if let endpoint = Attribution.endpoint(of: chain), let proto,
                          let name = names.names.first(where: {
                              ServicePortNames.isEndpointHash(suffix, name: $0, proto: proto, endpoint: endpoint)
                          }) {
                    chainOwners[key] = ChainOwner(name: name, proto: proto, role: role)
                } else {
                    unidentified.insert(key)
                }
            }
        }
    }

    /// kube-proxy's shared chains (KUBE-SERVICES, KUBE-NODEPORTS, ...): only their rules can
    /// belong to a Service port. Other chains' comments (NetworkPolicy chains name pods and
    /// policies as `namespace/name`) say nothing about Services.
    static func isSharedKubeChain(_ chain: ChainName) -> Bool {
        chain.hasPrefix("KUBE-") && ChainRole.of(chain) == nil
    }

    /// The Service port a rule of a shared chain serves: its comment, else its target's owner.
    func owner(of rule: Rule, table: String) -> String? {
        if let comment = rule.comment, let name = KubeProxyComments.servicePortName(in: comment.description) {
            return name
        }
        for target in rule.verdict?.targetChains ?? [] {
            if let owner = chainOwners[ChainKey(table: table, chain: target)] { return owner.name }
        }
        return nil
    }

    static func commentName(_ rules: [Rule]) -> String? {
        for rule in rules {
            if let comment = rule.comment, let name = KubeProxyComments.servicePortName(in: comment.description) {
                return name
            }
        }
        return nil
    }

    static func protocolOf(_ rules: [Rule]) -> L4Protocol? {
        for rule in rules {
            for case .l4Protocol(let proto) in rule.matches { return proto }
        }
        return nil
    }

    /// The endpoint a SEP chain DNATs to, spelled as kube-proxy spells endpoints (`IP:port`,
    /// `[IPv6]:port`).
    static func endpoint(of chain: Chain) -> String? {
        for rule in chain.rules {
            if case .dnat(let address, let port)? = rule.verdict {
                guard let port else { return address.description }
                return address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
            }
        }
        return nil
    }
}
