/// nftables declares a set or map by its key's types only (`type ipv4_addr . inet_proto .
/// inet_service`); which packet fields fill that key is written where the set is used. Both
/// readers of nftables (the text parser and the netlink decoder) recover `fields` this way.
extension Table {
    /// Sets each set's and map's `fields` from its first use by a rule (`ip daddr @set`,
    /// `update @set { ip saddr }`, `… vmap @map`), or, for one nothing uses, the destination
    /// fields of its key types.
    public mutating func inferSetFields() {
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
        for index in sets.indices {
            sets[index].fields = usedFields[sets[index].name] ?? Self.destinationFields(sets[index].keyTypes)
        }
        for index in maps.indices {
            maps[index].fields = usedFields[maps[index].name] ?? Self.destinationFields(maps[index].keyTypes)
        }
    }

    /// What an unused container would most plausibly be keyed on.
    static func destinationFields(_ types: [SetDataType]) -> [PacketField] {
        types.map { type in
            switch type {
            case .ipv4Address, .ipv6Address: return .destinationAddress
            case .inetProto: return .l4Protocol
            case .inetService, .mark: return .destinationPort
            }
        }
    }
}
