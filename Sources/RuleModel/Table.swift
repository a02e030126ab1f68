import NetworkAddresses

/// A table: chains plus the sets and maps its rules refer to.
public struct Table: Sendable, Hashable {
    public var name: String
    public var chains: [Chain]
    public var sets: [NamedSet]
    public var maps: [VerdictMap]
    /// nftables: the table's own family (`ip kube-proxy`); nil for iptables tables, whose
    /// family is the ruleset's.
    public var family: TableFamily?
    /// nftables table comment.
    public var comment: String?
    /// What the provenance IDs of its chains, rules and map elements stand for.
    public var provenances: ProvenanceStore

    public init(_ name: String, chains: [Chain] = [], sets: [NamedSet] = [], maps: [VerdictMap] = [],
                family: TableFamily? = nil, comment: String? = nil, provenances: ProvenanceStore = ProvenanceStore()) {
        self.name = name
        self.chains = chains
        self.sets = sets
        self.maps = maps
        self.family = family
        self.comment = comment
        self.provenances = provenances
    }

    /// What the table holds: provenance is left out, so a compiled table equals its dump.
    public static func == (lhs: Table, rhs: Table) -> Bool {
        lhs.name == rhs.name && lhs.chains == rhs.chains && lhs.sets == rhs.sets && lhs.maps == rhs.maps
            && lhs.family == rhs.family && lhs.comment == rhs.comment
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(chains)
        hasher.combine(sets)
        hasher.combine(maps)
        hasher.combine(family)
        hasher.combine(comment)
    }

    public func chain(named name: ChainName) -> Chain? {
        chains.first { $0.name == name }
    }

    /// Index of each chain by name, for walks over large tables.
    public func chainIndex() -> [ChainName: Int] {
        var index: [ChainName: Int] = [:]
        index.reserveCapacity(chains.count)
        for (position, chain) in chains.enumerated() { index[chain.name] = position }
        return index
    }
}

/// Everything PacketPath programs for one IP family.
public struct Ruleset: Sendable, Hashable {
    public var family: IPFamily
    public var tables: [Table]

    public init(family: IPFamily, tables: [Table] = []) {
        self.family = family
        self.tables = tables
    }

    public subscript(table name: String) -> Table? {
        tables.first { $0.name == name }
    }

    /// Total number of rules over all tables and chains.
    public var ruleCount: Int {
        tables.reduce(0) { $0 + $1.chains.reduce(0) { $0 + $1.rules.count } }
    }
}
