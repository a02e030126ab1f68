import NetworkAddresses
import PolicyCompiler
import RuleModel

/// The named sets policy rules look peers up in, made once per distinct content.
struct PeerSets {
    let family: IPFamily
    private(set) var sets: [NamedSet] = []
    private var known: Set<ChainName> = []

    init(family: IPFamily) {
        self.family = family
    }

    /// The set of `members`' addresses (elements carry the pod's `namespace/name`).
    mutating func pods(_ members: [PolicyPlan.Pod]) -> ChainName {
        let name = PolicyNFTNames.podAddresses(members.map(\.address.description).joined(separator: ","))
        add(name, flags: [], members.map { SetElement([.address($0.address)], comment: $0.key) })
        return name
    }

    /// An interval set of `prefixes`, for an ipBlock's CIDR or its exceptions. Exceptions inside other exceptions are left out: an interval
    /// set rejects overlapping elements, and they add nothing. Host bits are cleared (nft
    /// accepts only networks).
    mutating func prefixes(_ kind: PolicyNFTNames.PrefixSet, _ prefixes: [IPPrefix]) -> ChainName {
        let networks = Set(prefixes.map(\.network))
        let outermost = networks.filter { prefix in
            !networks.contains { $0 != prefix && $0.contains(prefix) }
        }.sorted()
        let name = PolicyNFTNames.prefixes(kind, outermost.map(\.description).joined(separator: ","))
        add(name, flags: [.interval], outermost.map { SetElement([.prefix($0)]) })
        return name
    }

    private mutating func add(_ name: ChainName, flags: SetFlags, _ elements: [SetElement]) {
        guard known.insert(name).inserted else { return }
        sets.append(NamedSet(name: name, fields: [], keyTypes: [.address(family)], elements: elements, flags: flags))
    }
}
