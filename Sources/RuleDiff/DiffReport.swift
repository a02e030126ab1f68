/// The semantic difference between two rulesets, per Service port and per node-level chain.
/// Side A is the reference (usually what the manifests compile to), side B what is compared
/// with it (usually a node's live rules): "added" means only in B, "removed" only in A.
public struct DiffReport: Codable, Sendable, Equatable {
    public var sideA: String
    public var sideB: String
    public var families: [FamilyDiff]
    /// Things the reader should know about how the comparison was done.
    public var notes: [String]

    public init(sideA: String, sideB: String, families: [FamilyDiff], notes: [String]) {
        self.sideA = sideA
        self.sideB = sideB
        self.families = families
        self.notes = notes
    }

    public var differenceCount: Int { families.reduce(0) { $0 + $1.differenceCount } }
    public var isEmpty: Bool { differenceCount == 0 }
}

public struct FamilyDiff: Codable, Sendable, Equatable {
    public var family: String
    public var servicePorts: [ServicePortDiff] = []
    /// Rule differences in chains that belong to no Service port (fixed kube-proxy chains,
    /// built-in chains, unowned rules of shared chains).
    public var chains: [ChainDiff] = []
    /// Chains only in B that no Service port accounts for: drift nobody asked for.
    public var extraChains: [ChainSummary] = []
    /// Chains only in A that no Service port accounts for.
    public var missingChains: [ChainSummary] = []

    public init(family: String) {
        self.family = family
    }

    public var differenceCount: Int {
        servicePorts.reduce(0) { $0 + $1.differenceCount } + chains.count + extraChains.count + missingChains.count
    }
}

/// One Service port (`namespace/name:port`) that differs.
public struct ServicePortDiff: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Only in B.
        case added
        /// Only in A.
        case removed
        /// In both, with differences.
        case changed
    }

    public var name: String
    public var `protocol`: String?
    public var status: Status
    /// For added/removed ports: how traffic reaches it (cluster IP, node port, ...).
    public var entryPoints: [String] = []
    /// For added/removed ports: its endpoints and their shares.
    public var endpoints: [EndpointShare] = []
    public var endpointsAdded: [EndpointShare] = []
    public var endpointsRemoved: [EndpointShare] = []
    public var probabilityChanges: [DispatchChange] = []
    public var ruleChanges: [ChainDiff] = []
    /// Chains of this Service port only in B / only in A.
    public var extraChains: [ChainSummary] = []
    public var missingChains: [ChainSummary] = []

    public init(name: String, protocol: String?, status: Status) {
        self.name = name
        self.protocol = `protocol`
        self.status = status
    }

    public var differenceCount: Int {
        if status != .changed { return 1 }
        return endpointsAdded.count + endpointsRemoved.count + probabilityChanges.count + ruleChanges.count
            + extraChains.count + missingChains.count
    }
}

/// An endpoint and the share of new connections it gets from one dispatch chain.
public struct EndpointShare: Codable, Sendable, Equatable {
    public var endpoint: String
    public var chain: String
    /// Exact fraction, e.g. `1/3`.
    public var share: String
    public var percent: String
}

/// A dispatch chain (KUBE-SVC/KUBE-SVL) whose split between the endpoints both sides share
/// is different.
public struct DispatchChange: Codable, Sendable, Equatable {
    public var table: String
    public var chain: String
    public var endpoints: [DispatchEntry]
}

public struct DispatchEntry: Codable, Sendable, Equatable {
    public var endpoint: String
    /// The rule's own `--probability` as iptables-save prints it and as a fraction (nil: no
    /// statistic match, i.e. the rest; absent endpoint: no rule).
    public var ruleProbabilityA: String?
    public var ruleProbabilityB: String?
    /// The endpoint's share of the chain's connections.
    public var shareA: String?
    public var shareB: String?
    public var ruleChanged: Bool
}

/// Rules of one chain only in A / only in B (iptables-save spelling), or a changed policy.
public struct ChainDiff: Codable, Sendable, Equatable {
    public var table: String
    public var chain: String
    public var onlyInA: [String] = []
    public var onlyInB: [String] = []
    public var policyA: String?
    public var policyB: String?

    public init(table: String, chain: String, onlyInA: [String] = [], onlyInB: [String] = [],
                policyA: String? = nil, policyB: String? = nil) {
        self.table = table
        self.chain = chain
        self.onlyInA = onlyInA
        self.onlyInB = onlyInB
        self.policyA = policyA
        self.policyB = policyB
    }
}

/// A whole chain present on one side only.
public struct ChainSummary: Codable, Sendable, Equatable {
    public var table: String
    public var chain: String
    public var rules: [String]

    public init(table: String, chain: String, rules: [String]) {
        self.table = table
        self.chain = chain
        self.rules = rules
    }
}
