import NetfilterNetlink

/// One nftables table as the kernel holds it, read over netlink (never as `nft list` text):
/// chains in the kernel's order with their base-chain spec and comment, rules with decoded
/// expressions, user data (comment) and the anonymous sets they are bound to, and named sets
/// and maps with their elements.
public struct NFTablesTableState: Sendable {
    public struct Rule: Sendable, Hashable {
        public var handle: UInt64
        public var expressions: [Expression]
        public var userData: [UInt8]?
        /// The anonymous sets and maps the rule looks up, in the order of its lookups.
        public var anonymousSets: [SetContents]
    }

    public struct Chain: Sendable, Hashable {
        public var info: ChainInfo
        public var rules: [Rule]
    }

    /// A set or map with every element (verdict-map and interval elements as stored).
    public struct SetContents: Sendable, Hashable {
        public var set: NetfilterSet
        public var elements: [SetElement]
    }

    public var table: TableInfo
    public var chains: [Chain]
    /// Named sets and maps, in the kernel's order.
    public var sets: [SetContents]

    public var key: TableKey { TableKey(table.family, table.name) }
}

/// Reads a table into `NFTablesTableState` through any `KernelConnection`: one dump per chain's
/// rules and per set's elements (a whole-table rule dump restarts its walk per reply buffer),
/// except for anonymous sets that `known` vouches for by their recorded digest.
public enum NFTablesReadBack {
    public static func read(_ table: TableInfo, connection: KernelConnection,
                            known: KnownAnonymousSets = .none) throws -> NFTablesTableState {
        let key = TableKey(table.family, table.name)
        var named: [NFTablesTableState.SetContents] = []
        var anonymous: [ObjectName: NFTablesTableState.SetContents] = [:]
        for set in try connection.sets(of: key) {
            let elements = try known.elements(of: set) ?? connection.elements(of: set.name, in: key)
            let contents = NFTablesTableState.SetContents(set: set, elements: elements)
            if set.flags.contains(.anonymous) {
                anonymous[set.name] = contents
            } else {
                named.append(contents)
            }
        }
        var chains: [NFTablesTableState.Chain] = []
        for info in try connection.chains(family: table.family) where info.table == table.name {
            let rules = try connection.rules(of: ChainKey(key, info.name)).map { rule in
                NFTablesTableState.Rule(handle: rule.handle, expressions: rule.expressions, userData: rule.userData,
                                        anonymousSets: AnonymousLookups.names(in: rule.expressions).compactMap { anonymous[$0] })
            }
            chains.append(NFTablesTableState.Chain(info: info, rules: rules))
        }
        return NFTablesTableState(table: table, chains: chains, sets: named)
    }
}

/// Anonymous sets as rules name them: `__set%d`/`__map%d` with a set ID in a batch, `__set0`
/// once the kernel has numbered them.
enum AnonymousLookups {
    static func isAnonymous(_ name: ObjectName) -> Bool { name.hasPrefix("__set") || name.hasPrefix("__map") }

    static func names(in expressions: [Expression]) -> [ObjectName] {
        expressions.compactMap { expression in
            guard case .lookup(let lookup) = expression, isAnonymous(lookup.set) else { return nil }
            return lookup.set
        }
    }
}
