import RuleModel

/// What a shared-chain rule is about when it names no Service port: the destination, port and
/// protocol it matches (`-d 172.30.0.46/32 -p tcp --dport 80`, or just the port for a node
/// port). Rules whose comments were lost are given to the Service port whose named rules,
/// on either side, match the same destination.
struct Fingerprint: Hashable {
    let destination: AddressMatch?
    let port: PortRange
    let proto: L4Protocol

    init?(_ rule: Rule) {
        var destination: AddressMatch?
        var port: PortRange?
        var proto: L4Protocol?
        for match in rule.matches {
            switch match {
            case .destination(let address, false): destination = .prefix(address.asPrefix.network)
            case .destinationPort(let range, false): port = range
            case .l4Protocol(let value): proto = value
            default: break
            }
        }
        guard let port, let proto else { return nil }
        self.destination = destination
        self.port = port
        self.proto = proto
    }
}

extension RulesetView {
    /// Fingerprints of every Service port's shared-chain rules.
    var fingerprints: [Fingerprint: String] {
        var result: [Fingerprint: String] = [:]
        for (name, view) in servicePorts {
            for rules in view.sharedRules.values {
                for (rule, _) in rules { if let print = Fingerprint(rule) { result[print] = name } }
            }
        }
        return result
    }

    /// Moves unnamed rules of shared chains (`entryChains`: those holding Service ports' entry
    /// rules on either side) to the Service port they fingerprint to.
    mutating func adopt(_ fingerprints: [Fingerprint: String], in entryChains: Set<ChainKey>) {
        guard !fingerprints.isEmpty else { return }
        for (key, node) in nodeChains where entryChains.contains(key) {
            var kept: [Rule] = []
            for rule in node.rules {
                if rule.comment == nil, let print = Fingerprint(rule), let name = fingerprints[print] {
                    servicePorts[name, default: ServicePortView(name: name)].take(rule, key: key, entry: nil)
                } else {
                    kept.append(rule)
                }
            }
            nodeChains[key]?.rules = kept
        }
    }
}
