import NetworkAddresses
import RuleModel

/// Collects one table's declarations, rules and elements in the order the text gives them,
/// then fills in what nft text leaves implicit: which packet fields a set or map is looked up
/// with (taken from the rules that use it; from its key types when no rule does).
struct NFTTableBuilder {
    let family: TableFamily
    let name: String
    var comment: String?
    private(set) var chains: [Chain] = []
    private var chainIndex: [ChainName: Int] = [:]
    private(set) var sets: [NamedSet] = []
    private var setIndex: [ChainName: Int] = [:]
    private(set) var maps: [VerdictMap] = []
    private var mapIndex: [ChainName: Int] = [:]

    init(family: TableFamily, name: String) {
        self.family = family
        self.name = name
    }

    /// Declares a chain (again: the later attachment or comment wins, rules stay).
    mutating func declare(_ chain: Chain) {
        if let index = chainIndex[chain.name] {
            if chain.attachment != nil { chains[index].attachment = chain.attachment }
            if chain.comment != nil { chains[index].comment = chain.comment }
        } else {
            chainIndex[chain.name] = chains.count
            chains.append(chain)
        }
    }

    func hasChain(_ name: ChainName) -> Bool { chainIndex[name] != nil }

    mutating func append(_ rule: Rule, to chain: ChainName) -> Bool {
        guard let index = chainIndex[chain] else { return false }
        chains[index].rules.append(rule)
        return true
    }

    mutating func declare(_ set: NamedSet) {
        if let index = setIndex[set.name] { sets[index] = set } else {
            setIndex[set.name] = sets.count
            sets.append(set)
        }
    }

    mutating func declare(_ map: VerdictMap) {
        if let index = mapIndex[map.name] { maps[index] = map } else {
            mapIndex[map.name] = maps.count
            maps.append(map)
        }
    }

    /// The declared key types of set or map `name`, and whether it is a map.
    func container(_ name: ChainName) -> (types: [SetDataType], isMap: Bool)? {
        if let index = setIndex[name] { return (sets[index].keyTypes, false) }
        if let index = mapIndex[name] { return (maps[index].keyTypes, true) }
        return nil
    }

    mutating func add(_ element: SetElement, to name: ChainName) {
        if let index = setIndex[name] { sets[index].elements.append(element) }
    }

    mutating func add(_ entry: VerdictMap.Entry, to name: ChainName) {
        if let index = mapIndex[name] { maps[index].entries.append(entry) }
    }

    func table() -> Table {
        var usedFields: [ChainName: [PacketField]] = [:]
        for chain in chains {
            for rule in chain.rules {
                for match in rule.matches {
                    switch match {
                    case .inSet(let fields, let set, _), .updateSet(let fields, let set):
                        if usedFields[set] == nil { usedFields[set] = fields }
                    default: break
                    }
                }
                if case .verdictMap(let fields, let map)? = rule.verdict, usedFields[map] == nil { usedFields[map] = fields }
            }
        }
        var sets = self.sets
        for index in sets.indices {
            sets[index].fields = usedFields[sets[index].name] ?? Self.defaultFields(sets[index].keyTypes)
        }
        var maps = self.maps
        for index in maps.indices {
            maps[index].fields = usedFields[maps[index].name] ?? Self.defaultFields(maps[index].keyTypes)
        }
        return Table(name, chains: chains, sets: sets, maps: maps, family: family, comment: comment)
    }

    /// Destination fields: what an unused container would most plausibly be keyed on.
    private static func defaultFields(_ types: [SetDataType]) -> [PacketField] {
        types.map { type in
            switch type {
            case .ipv4Address, .ipv6Address: return .destinationAddress
            case .inetProto: return .l4Protocol
            case .inetService, .mark: return .destinationPort
            }
        }
    }
}
