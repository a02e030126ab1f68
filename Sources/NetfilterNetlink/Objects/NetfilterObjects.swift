/// A table as read from the kernel.
public struct TableInfo: Hashable, Sendable {
    public let family: NetfilterFamily
    public let name: ObjectName
    public let handle: UInt64
    public let flags: UInt32
    /// The nft comment in the table's user data.
    public let comment: String?
    /// The whole user data (nft's comment and any other records).
    public let userData: [UInt8]?
    /// How many objects the table held when it was read, as the kernel counts them (Linux
    /// 6.18: chains, named sets and maps, stateful objects, flowtables — not the anonymous sets
    /// bound to rules); nil when not known. A reading, not part of what the table is: equality
    /// leaves it out.
    public let objectCount: UInt32?

    public init(family: NetfilterFamily, name: ObjectName, handle: UInt64, flags: UInt32 = 0, comment: String? = nil,
                userData: [UInt8]? = nil, objectCount: UInt32? = nil) {
        self.userData = userData
        self.family = family
        self.name = name
        self.handle = handle
        self.flags = flags
        self.comment = comment
        self.objectCount = objectCount
    }

    public static func == (lhs: TableInfo, rhs: TableInfo) -> Bool {
        (lhs.family, lhs.name, lhs.handle, lhs.flags, lhs.comment, lhs.userData)
            == (rhs.family, rhs.name, rhs.handle, rhs.flags, rhs.comment, rhs.userData)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(family)
        hasher.combine(name)
        hasher.combine(handle)
    }
}

/// Hook, type, priority and policy of a base chain.
public struct BaseChainSpec: Hashable, Sendable {
    public enum Hook: UInt32, Hashable, Sendable {
        case prerouting = 0, input = 1, forward = 2, output = 3, postrouting = 4
    }

    /// `filter`, `nat` or `route`.
    public var type: String
    public var hook: Hook
    public var priority: Int32
    /// Accept (true) or drop packets that reach the end of the chain.
    public var policyAccepts: Bool

    public init(type: String, hook: Hook, priority: Int32, policyAccepts: Bool = true) {
        self.type = type
        self.hook = hook
        self.priority = priority
        self.policyAccepts = policyAccepts
    }
}

/// A chain as read from the kernel.
public struct ChainInfo: Hashable, Sendable {
    public let family: NetfilterFamily
    public let table: ObjectName
    public let name: ObjectName
    public let handle: UInt64
    /// Set for base chains.
    public let base: BaseChainSpec?
    /// The nft comment in the chain's user data.
    public let comment: String?

    public init(family: NetfilterFamily, table: ObjectName, name: ObjectName, handle: UInt64, base: BaseChainSpec? = nil,
                comment: String? = nil) {
        self.family = family
        self.table = table
        self.name = name
        self.handle = handle
        self.base = base
        self.comment = comment
    }
}

/// A rule as read from the kernel.
public struct RuleInfo: Hashable, Sendable {
    public let handle: UInt64
    public let expressions: [Expression]
    /// nft's rule user data (the rule's comment), if any.
    public let userData: [UInt8]?

    public init(handle: UInt64, expressions: [Expression], userData: [UInt8]? = nil) {
        self.handle = handle
        self.expressions = expressions
        self.userData = userData
    }
}
