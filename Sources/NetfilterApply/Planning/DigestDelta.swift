import NetfilterNetlink

/// How one family's desired chain digests differ from the recorded ones (`ChainDigests`),
/// found in one pass over the desired regular chains, their digests taken from the fingerprint
/// arrays by index: no dictionary of the 110,000 desired digests is built, and each recorded
/// digest is looked up once, for both the chains to read back and the record's update.
struct DigestDelta {
    /// A desired chain whose recorded digest differs from the desired one, or is missing.
    struct Change {
        let key: ChainDigests.Key
        /// Its index in the desired table.
        let chain: Int
        let recorded: UInt64?
        let desired: UInt64
    }

    private(set) var changes: [Change] = []
    /// How many desired chains have a recorded digest: fewer than the record holds means some
    /// recorded chains are no longer desired.
    private(set) var stillDesired = 0
    /// The desired regular chains by table.
    private var desiredNames: [(table: ObjectName, chains: Set<ObjectName>)] = []

    /// Nothing desired.
    init() {}

    init(_ family: DesiredState.Family, _ fingerprint: Fingerprint.Result, recorded: [ChainDigests.Key: UInt64]?) {
        for table in family.tables {
            desiredNames.append((table.name, table.regularNames))
            let digests = fingerprint.chainDigests[table.index]
            for chain in family.regularChains(table) {
                let key = ChainDigests.Key(table: table.name, chain: chain.name)
                let digest = digests[chain.index]
                let old = recorded?[key]
                if old != nil { stillDesired += 1 }
                if old != digest { changes.append(Change(key: key, chain: chain.index, recorded: old, desired: digest)) }
            }
        }
    }

    func isDesired(_ key: ChainDigests.Key) -> Bool {
        desiredNames.first { $0.table == key.table }?.chains.contains(key.chain) ?? false
    }

    /// The desired chains whose digest is not the recorded one.
    var changedKeys: Set<ChainDigests.Key> { Set(changes.map(\.key)) }
}
