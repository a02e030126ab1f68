import NetfilterNetlink
import NFTablesEncoding

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
/// rules (all chains asked for at once, so the connection may spread them over sockets) and per set's elements (a whole-table rule dump restarts its walk per reply buffer),
/// except for anonymous sets that `known` vouches for by their recorded digest.
public enum NFTablesReadBack {
    /// `expectedChains`: the chains the table should hold (the desired state's). They are read
    /// by name, and the table's object count shows whether it holds any other; only then is
    /// every chain of the family listed.
    public static func read(_ table: TableInfo, connection: KernelConnection,
                            known: KnownAnonymousSets = .none, expectedChains: [ObjectName] = []) throws -> NFTablesTableState {
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
        let infos = try chainInfos(table, connection: connection, expected: expectedChains, namedSets: named.count)
        let chains = try zip(infos, connection.rules(of: infos.map(\.name), in: key)).map { info, rules in
            NFTablesTableState.Chain(info: info, rules: rules.map { rule in
                NFTablesTableState.Rule(handle: rule.handle, expressions: rule.expressions, userData: rule.userData,
                                        anonymousSets: AnonymousLookups.names(in: rule.expressions).compactMap { anonymous[$0] })
            })
        }
        return NFTablesTableState(table: table, chains: chains, sets: named)
    }

    /// The table's chains in the kernel's order (creation order, which handles follow).
    /// Listing them is a dump whose cost grows with the square of the family's chain count
    /// (the kernel resumes it from the first chain for every reply buffer), so the expected
    /// ones are asked for by name; that is the whole table when the chains found and the
    /// named sets account for every object the kernel counts in it. (Linux 6.18 does not count
    /// a set bound to a rule; a kernel that did would only make this fall back to listing.)
    private static func chainInfos(_ table: TableInfo, connection: KernelConnection, expected: [ObjectName],
                                   namedSets: Int) throws -> [ChainInfo] {
        if !expected.isEmpty, let objects = table.objectCount {
            let found = try connection.chains(named: expected, in: TableKey(table.family, table.name)).compactMap { $0 }
            if found.count + namedSets == Int(objects) { return found.sorted { $0.handle < $1.handle } }
        }
        return try connection.chains(family: table.family).filter { $0.table == table.name }
    }
}

/// Anonymous sets as rules name them: `__set%d`/`__map%d` with a set ID in a batch, `__set0`
/// once the kernel has numbered them.
enum AnonymousLookups {
    static func isAnonymous(_ name: ObjectName) -> Bool { AnonymousNames.isAnonymous(name) }

    static func names(in expressions: [Expression]) -> [ObjectName] {
        expressions.compactMap { expression in
            guard case .lookup(let lookup) = expression, isAnonymous(lookup.set) else { return nil }
            return lookup.set
        }
    }
}
