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
        var table = Table(name, chains: chains, sets: sets, maps: maps, family: family, comment: comment)
        table.inferSetFields()
        return table
    }
}
