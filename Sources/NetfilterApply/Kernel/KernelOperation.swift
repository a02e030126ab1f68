import NetfilterNetlink

/// A table in the kernel: family and name.
public struct TableKey: Hashable, Sendable, CustomStringConvertible {
    public let family: NetfilterFamily
    public let name: ObjectName

    public init(_ family: NetfilterFamily, _ name: ObjectName) {
        self.family = family
        self.name = name
    }

    public var description: String { "\(family) \(name)" }
}

/// A chain in the kernel: family, table and name.
public struct ChainKey: Hashable, Sendable, CustomStringConvertible {
    public let table: TableKey
    public let name: ObjectName

    public init(_ table: TableKey, _ name: ObjectName) {
        self.table = table
        self.name = name
    }

    public var family: NetfilterFamily { table.family }
    public var description: String { "\(table) chain \(name)" }
}

/// Where a new rule goes in its chain. Positions name rules that exist before the
/// transaction (by handle): rules added in the same transaction have no handle yet.
public typealias RulePlacement = NetfilterBatch.RulePosition

/// The expressions of a rule to add: given, or a rule of the desired model that the
/// connection encodes while sending (so that a 300,000-rule apply keeps no second copy).
public enum RuleSource: Sendable {
    case expressions([Expression], compat: NetfilterBatch.Compat?)
    /// A native nftables rule (the nftables layout) with nft's rule user data (its comment).
    case nft([Expression], userData: [UInt8]?)
    case desired(DesiredRuleRef)
}

/// A rule of the desired model: family, table, chain and rule indices into its rulesets.
public struct DesiredRuleRef: Hashable, Sendable {
    let family: Int
    let table: Int
    let chain: Int
    let rule: Int
}

/// Consecutive rules of one chain of the desired model.
public struct DesiredRules: Hashable, Sendable {
    let family: Int
    let table: Int
    let chain: Int
    let rules: Range<Int>

    func rule(_ index: Int) -> DesiredRuleRef { DesiredRuleRef(family: family, table: table, chain: chain, rule: index) }
}

/// One change to the kernel's ruleset. A transaction is an ordered list of these, committed
/// all or nothing. Objects are named, never referenced by pointer, so the same operations
/// serve a netlink batch, an in-memory fake and a printed dry run; sets and elements are
/// here for the nftables layout. Indirect: inline, the largest case (a set with its
/// declaration) made every array slot about 200 bytes, and a 350,000-operation nftables
/// transaction was held in several such arrays (plan, batch, staged parts); boxed, a slot is
/// one pointer and copies share the payloads.
public indirect enum KernelOperation: Sendable {
    /// Creates the table unless it exists (an existing table keeps its comment).
    case addTable(TableKey, comment: String?)
    /// Creates the table with `userData` after nft's comment record (PacketPath's ownership
    /// record for the nftables layout, which nft does not print).
    case addNFTTable(TableKey, comment: String?, userData: [UInt8])
    case deleteTable(TableKey)
    /// Creates the chain unless it exists (an existing chain keeps its comment and policy).
    case addChain(ChainKey, base: BaseChainSpec?, comment: String?)
    /// Creates the chain; fails (EEXIST) if it exists.
    case createChain(ChainKey, base: BaseChainSpec?, comment: String?)
    /// Deletes every rule of the chain.
    case flushChain(ChainKey)
    /// Deletes an empty, unreferenced chain.
    case deleteChain(ChainKey)
    case addRule(ChainKey, RuleSource, RulePlacement)
    /// Appends the rules of a desired chain in order: one operation for a whole new chain, so
    /// that a 300,000-rule transaction stays small. Rule `i` is sent with the tag plus `i`.
    case appendRules(ChainKey, DesiredRules)
    case deleteRule(ChainKey, handle: UInt64)
    case addSet(TableKey, NetfilterSet)
    case deleteSet(TableKey, name: ObjectName)
    case addElements(TableKey, set: NetfilterSet, [SetElement])
    case deleteElements(TableKey, set: NetfilterSet, [SetElement])

    /// Operations this stands for (the rules of `appendRules`).
    public var messageCount: Int {
        if case .appendRules(_, let rules) = self { return rules.rules.count }
        return 1
    }

    /// The kind of operation, for counts.
    public var kind: Kind {
        switch self {
        case .addTable, .addNFTTable: return .addTable
        case .deleteTable: return .deleteTable
        case .addChain, .createChain: return .addChain
        case .flushChain: return .flushChain
        case .deleteChain: return .deleteChain
        case .addRule, .appendRules: return .addRule
        case .deleteRule: return .deleteRule
        case .addSet: return .addSet
        case .deleteSet: return .deleteSet
        case .addElements: return .addElements
        case .deleteElements: return .deleteElements
        }
    }

    public enum Kind: String, Sendable, CaseIterable, Hashable {
        case addTable = "add-table", deleteTable = "delete-table", addChain = "add-chain", flushChain = "flush-chain"
        case deleteChain = "delete-chain", addRule = "add-rule", deleteRule = "delete-rule", addSet = "add-set"
        case deleteSet = "delete-set", addElements = "add-elements", deleteElements = "delete-elements"
    }
}
