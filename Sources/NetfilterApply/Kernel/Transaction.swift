import IPTablesNFTEncoding
import NetfilterNetlink
import RuleModel

/// An ordered list of operations to commit atomically, each with a tag that names what it is
/// about (see `MessageTag`) so that a refusal can be traced back to the model. Building one
/// sends nothing; a `KernelConnection` commits it.
public struct Transaction: Sendable {
    public private(set) var operations: [KernelOperation] = []
    /// Per operation, a packed `MessageTag`.
    public private(set) var tags: [Int] = []
    /// The rulesets `RuleSource.desired` refers to.
    let rulesets: [Ruleset]

    /// An empty transaction whose rules are given as expressions.
    public init() {
        rulesets = []
    }

    init(rulesets: [Ruleset]) {
        self.rulesets = rulesets
    }

    public var isEmpty: Bool { operations.isEmpty }
    public var count: Int { operations.count }

    public mutating func append(_ operation: KernelOperation, tag: Int = 0) {
        operations.append(operation)
        tags.append(tag)
    }

    mutating func reserveCapacity(_ count: Int) {
        operations.reserveCapacity(count)
        tags.reserveCapacity(count)
    }

    /// Operations per kind.
    public var counts: [KernelOperation.Kind: Int] {
        var counts: [KernelOperation.Kind: Int] = [:]
        for operation in operations { counts[operation.kind, default: 0] += operation.messageCount }
        return counts
    }

    /// Netlink messages the transaction takes (one per rule and per other operation).
    public var messageCount: Int { operations.reduce(0) { $0 + $1.messageCount } }

    /// Encodes rules for sending, reusing one buffer and one encoder per family.
    struct RuleEncoder {
        let rulesets: [Ruleset]
        private var encoders: [IPTablesNFTEncoder]
        private var scratch: [Expression] = []

        init(_ transaction: Transaction) {
            rulesets = transaction.rulesets
            encoders = transaction.rulesets.map { IPTablesNFTEncoder(family: $0.family) }
            scratch.reserveCapacity(16)
        }

        /// Calls `body` with the rule's expressions, valid only during the call.
        mutating func withRule<T>(_ source: RuleSource,
                                  _ body: (UnsafeBufferPointer<Expression>, NetfilterBatch.Compat?) throws -> T) throws -> T {
            switch source {
            case .expressions(let expressions, let compat):
                return try expressions.withUnsafeBufferPointer { try body($0, compat) }
            case .nft(let expressions, _):
                return try expressions.withUnsafeBufferPointer { try body($0, nil) }
            case .desired(let ref):
                let ruleset = rulesets[ref.family]
                let table = ruleset.tables[ref.table]
                let chain = table.chains[ref.chain]
                let compat = try RuleEncoding.encode(chain.rules[ref.rule], index: ref.rule, chain: chain.name,
                                                     table: table.name, family: ruleset.family,
                                                     encoder: &encoders[ref.family], into: &scratch)
                return try scratch.withUnsafeBufferPointer { try body($0, compat) }
            }
        }
    }
}
