import NetfilterNetlink

/// One nftables table as the kernel objects that make it, in the order `nft -f` creates them
/// for kube-proxy's dump (table, chains, sets, maps, rules, elements): `nft list` prints sets
/// and chains in creation order, so the order is part of being identical.
///
/// A pure value: building it needs no kernel, and tests can read every expression.
public struct NFTablesProgram: Sendable, Hashable {
    public struct Chain: Sendable, Hashable {
        public var name: ObjectName
        public var base: BaseChainSpec?
        public var comment: String?

        public init(name: ObjectName, base: BaseChainSpec?, comment: String?) {
            self.name = name
            self.base = base
            self.comment = comment
        }
    }

    /// A set or map and the elements it is created with.
    public struct SetDefinition: Sendable, Hashable {
        public var set: NetfilterSet
        public var elements: [SetElement]

        public init(set: NetfilterSet, elements: [SetElement]) {
            self.set = set
            self.elements = elements
        }
    }

    public struct Rule: Sendable, Hashable {
        public var chain: ObjectName
        public var expressions: [Expression]
        /// nft's rule user data (the comment), if any.
        public var userData: [UInt8]?
        /// Anonymous sets and maps the rule refers to (by set ID); created just before it.
        public var anonymousSets: [SetDefinition]

        public init(chain: ObjectName, expressions: [Expression], userData: [UInt8]?, anonymousSets: [SetDefinition]) {
            self.chain = chain
            self.expressions = expressions
            self.userData = userData
            self.anonymousSets = anonymousSets
        }
    }

    public var family: NetfilterFamily
    public var table: ObjectName
    public var tableComment: String?
    public var chains: [Chain]
    /// Named sets, then named maps; their elements are added after all rules.
    public var sets: [SetDefinition]
    public var rules: [Rule]
    /// The first anonymous-set ID this program left unused.
    public var nextSetID: UInt32

    public init(family: NetfilterFamily, table: ObjectName, tableComment: String?, chains: [Chain], sets: [SetDefinition],
                rules: [Rule], nextSetID: UInt32) {
        self.family = family
        self.table = table
        self.tableComment = tableComment
        self.chains = chains
        self.sets = sets
        self.rules = rules
        self.nextSetID = nextSetID
    }

    public var ruleCount: Int { rules.count }
}
