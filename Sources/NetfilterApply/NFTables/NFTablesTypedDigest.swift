import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Digests of the nftables layout's typed objects (tables, chains, named sets and maps), the
/// same in every process, taken from the rule model's fields without encoding anything: at
/// 10,000 Services hashing 110,000 typed chains costs a fraction of encoding them. What the
/// digest record (`NFTablesDigestRecord`) keeps, and what a fresh apply compares with it.
/// Every field that reaches the kernel is fed, so equal digests mean equal encodings (of
/// this version of PacketPath: `scheme` is part of every digest).
enum NFTablesTypedDigest {
    static let scheme = "packetpath nftables typed v1"

    enum Kind: UInt64 {
        case table = 1, chain, set, map
    }

    /// Which object a digest is of: a hash of its table's family and name, kind and name.
    static func id(_ family: NetfilterFamily, _ table: String, _ kind: Kind, _ name: ChainName?) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(UInt64(family.rawValue))
        hasher.combine(table)
        hasher.combine(kind.rawValue)
        name?.withUTF8 { hasher.combine(bytes: $0) }
        return hasher.value
    }

    /// One desired table's objects with their ids and digests, table first, then its chains,
    /// sets and maps in order (`index` into the table's array of that kind).
    struct Object: Sendable {
        let kind: Kind
        let index: Int
        let id: UInt64
        let digest: UInt64
    }

    struct TableDigests: Sendable {
        let key: TableKey
        let family: TableFamily
        let table: Table
        let objects: [Object]

        /// The name of a chain, set or map of `objects` (none for the table).
        func name(of object: Object) -> ChainName? {
            switch object.kind {
            case .table: return nil
            case .chain: return table.chains[object.index].name
            case .set: return table.sets[object.index].name
            case .map: return table.maps[object.index].name
            }
        }
    }

    /// The digests of every table of the rulesets; nil when a table appears twice or has a
    /// family nftables tables are not encoded in.
    static func digests(of rulesets: [Ruleset]) -> [TableDigests]? {
        NFTablesTypedChange.tables(of: rulesets)?.map { digests(of: $0.table, key: $0.key, family: $0.family) }
    }

    static func digests(of table: Table, key: TableKey, family tableFamily: TableFamily) -> TableDigests {
        let family = key.family
        var objects: [Object] = []
        objects.reserveCapacity(1 + table.chains.count + table.sets.count + table.maps.count)
        objects.append(tableObject(table, family: family))
        for (index, chain) in table.chains.enumerated() {
            objects.append(Object(kind: .chain, index: index, id: id(family, table.name, .chain, chain.name),
                                  digest: digest(of: chain)))
        }
        for (index, set) in table.sets.enumerated() {
            objects.append(Object(kind: .set, index: index, id: id(family, table.name, .set, set.name), digest: digest(of: set)))
        }
        for (index, map) in table.maps.enumerated() {
            objects.append(Object(kind: .map, index: index, id: id(family, table.name, .map, map.name), digest: digest(of: map)))
        }
        return TableDigests(key: key, family: tableFamily, table: table, objects: objects)
    }

    /// The object of the table itself: its family field and comment.
    static func tableObject(_ table: Table, family: NetfilterFamily) -> Object {
        var hasher = seeded()
        hasher.combine(table.family?.rawValue ?? "")
        combine(table.comment, into: &hasher)
        return Object(kind: .table, index: 0, id: id(family, table.name, .table, nil), digest: hasher.value)
    }

    /// The whole state's fingerprint, from its objects' ids and digests in order.
    static func fingerprint(_ tables: [TableDigests]) -> UInt64 {
        var hasher = seeded()
        for table in tables {
            hasher.combine(UInt64(table.objects.count))
            for object in table.objects {
                hasher.combine(object.id)
                hasher.combine(object.digest)
            }
        }
        return hasher.value
    }

    private static func seeded() -> StableHasher {
        var hasher = StableHasher()
        hasher.combine(scheme)
        return hasher
    }

    static func digest(of chain: Chain) -> UInt64 {
        var hasher = seeded()
        chain.name.withUTF8 { hasher.combine(bytes: $0) }
        if let attachment = chain.attachment {
            hasher.combine(attachment.hook.rawValue)
            hasher.combine(UInt64(bitPattern: Int64(attachment.priority)))
            hasher.combine(attachment.namedPriority.description)
            hasher.combine(attachment.type?.rawValue ?? "")
            hasher.combine(attachment.policyAccepts)
        } else {
            hasher.combine(UInt64.max)
        }
        combine(chain.comment, into: &hasher)
        hasher.combine(chain.rules.count)
        for rule in chain.rules {
            hasher.combine(rule.matches.count)
            for match in rule.matches { hasher.combine(match) }
            if let verdict = rule.verdict { hasher.combine(verdict) } else { hasher.combine(UInt64(0xdead)) }
        }
        return hasher.value
    }

    static func digest(of set: NamedSet) -> UInt64 {
        var hasher = seeded()
        set.name.withUTF8 { hasher.combine(bytes: $0) }
        for field in set.fields { hasher.combine(field.rawValue) }
        for type in set.keyTypes { hasher.combine(type.rawValue) }
        hasher.combine(UInt64(set.flags.rawValue))
        hasher.combine(set.timeoutSeconds.map { UInt64($0) } ?? UInt64.max)
        combine(set.comment, into: &hasher)
        hasher.combine(set.elements.count)
        for element in set.elements {
            hasher.combine(element.key)
            combine(element.comment, into: &hasher)
        }
        return hasher.value
    }

    static func digest(of map: VerdictMap) -> UInt64 {
        var hasher = seeded()
        map.name.withUTF8 { hasher.combine(bytes: $0) }
        for field in map.fields { hasher.combine(field.rawValue) }
        for type in map.keyTypes { hasher.combine(type.rawValue) }
        combine(map.comment, into: &hasher)
        hasher.combine(map.entries.count)
        for entry in map.entries {
            hasher.combine(entry.key)
            hasher.combine(entry.verdict)
            combine(entry.comment, into: &hasher)
        }
        return hasher.value
    }

    private static func combine(_ text: String?, into hasher: inout StableHasher) {
        hasher.combine(text != nil)
        if let text { hasher.combine(text) }
    }
}

extension StableHasher {
    mutating func combine(_ name: ChainName) {
        name.withUTF8 { combine(bytes: $0) }
    }

    mutating func combine(_ address: IPAddress) {
        switch address {
        case .v4(let value): combine(UInt64(4)); combine(UInt64(value))
        case .v6(let high, let low): combine(UInt64(6)); combine(high); combine(low)
        }
    }

    mutating func combine(_ match: AddressMatch) {
        switch match {
        case .host(let address): combine(UInt64(1)); combine(address)
        case .prefix(let prefix): combine(UInt64(2)); combine(prefix.address); combine(prefix.length)
        }
    }

    mutating func combine(_ key: [KeyComponent]) {
        combine(key.count)
        for component in key {
            switch component {
            case .address(let address): combine(UInt64(1)); combine(address)
            case .prefix(let prefix): combine(UInt64(2)); combine(prefix.address); combine(prefix.length)
            case .l4Protocol(let proto): combine(UInt64(3)); combine(UInt64(proto.number))
            case .port(let port): combine(UInt64(4)); combine(UInt64(port))
            }
        }
    }

    mutating func combine(_ mark: MarkValue) {
        combine(UInt64(mark.value))
        combine(mark.spelling)
    }

    mutating func combine(_ fields: [PacketField]) {
        combine(fields.count)
        for field in fields { combine(field.rawValue) }
    }

    /// Every field of a typed match.
    mutating func combine(_ match: Match) {
        switch match {
        case .source(let address, let negated):
            combine(UInt64(1)); combine(address); combine(negated)
        case .destination(let address, let negated):
            combine(UInt64(2)); combine(address); combine(negated)
        case .l4Protocol(let proto):
            combine(UInt64(3)); combine(UInt64(proto.number))
        case .destinationPort(let range, let negated):
            combine(UInt64(4)); combine(UInt64(range.first)); combine(UInt64(range.last)); combine(negated)
        case .sourcePort(let range, let negated):
            combine(UInt64(5)); combine(UInt64(range.first)); combine(UInt64(range.last)); combine(negated)
        case .comment(let comment):
            // Its pieces as they are (a digest may differ where the text does not, never the reverse).
            combine(UInt64(6)); combine(comment.head); combine(comment.middle); combine(comment.tail)
        case .addressType(let direction, let type, let negated):
            combine(UInt64(7)); combine(direction.rawValue); combine(type.rawValue); combine(negated)
        case .conntrackState(let states, let negated):
            combine(UInt64(8)); combine(states.count)
            for state in states { combine(state.rawValue) }
            combine(negated)
        case .mark(let value, let mask, let negated):
            combine(UInt64(9)); combine(value); combine(mask); combine(negated)
        case .statistic(let probability):
            combine(UInt64(10)); combine(probability.numerator); combine(probability.denominator)
        case .recent(let name, let operation):
            combine(UInt64(11)); combine(name)
            switch operation {
            case .set: combine(UInt64(0))
            case .check(let seconds, let reap): combine(UInt64(1)); combine(UInt64(seconds)); combine(reap)
            }
        case .inSet(let fields, let set, let negated):
            combine(UInt64(12)); combine(fields); combine(set); combine(negated)
        case .inAnonymousSet(let field, let elements, let negated):
            combine(UInt64(13)); combine(field.rawValue); combine(elements); combine(negated)
        case .updateSet(let fields, let set):
            combine(UInt64(14)); combine(fields); combine(set)
        case .interface(let direction, let name, let negated):
            combine(UInt64(15)); combine(direction.rawValue); combine(name.text); combine(negated)
        case .unrecognized(let text):
            combine(UInt64(16)); combine(text)
        }
    }

    mutating func combine(_ verdict: Verdict) {
        switch verdict {
        case .accept: combine(UInt64(101))
        case .drop: combine(UInt64(102))
        case .return: combine(UInt64(103))
        case .reject(let kind): combine(UInt64(104)); combine(kind?.rawValue ?? "")
        case .jump(let chain): combine(UInt64(105)); combine(chain)
        case .goto(let chain): combine(UInt64(106)); combine(chain)
        case .dnat(let address, let port):
            combine(UInt64(107)); combine(address); combine(port.map { UInt64($0) } ?? UInt64.max)
        case .masquerade(let randomFully): combine(UInt64(108)); combine(randomFully)
        case .setMark(let operation):
            combine(UInt64(109))
            switch operation {
            case .or(let value): combine(UInt64(1)); combine(value)
            case .xor(let value): combine(UInt64(2)); combine(value)
            case .set(let value, let mask): combine(UInt64(3)); combine(value); combine(mask)
            }
        case .verdictMap(let fields, let map): combine(UInt64(110)); combine(fields); combine(map)
        case .randomChoice(let chains):
            combine(UInt64(111)); combine(chains.count)
            for chain in chains { combine(chain) }
        case .unrecognized(let text): combine(UInt64(112)); combine(text)
        }
    }
}
