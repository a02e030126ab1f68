import NetworkAddresses
import RuleModel

/// One rule the packet met on its way: a rule that matched (and what it did), or a statistic
/// rule whose draw was not taken on this branch.
public struct TraceStep: Sendable, Hashable, Encodable {
    public var table: String
    public var chain: ChainName
    /// 1-based position in the chain; nil for a built-in chain's policy.
    public var ruleNumber: Int?
    /// The rule in restore-text spelling (`-A CHAIN ...`).
    public var ruleText: String
    public var effect: String
    /// The target chain when the rule jumps or goes to one.
    public var target: ChainName?
    /// For rules with statistic matches: the chance of this step's branch (the draw when taken,
    /// its complement when not).
    public var draw: Probability?
    /// Whether the rule matched (false only for statistic draws not taken).
    public var taken: Bool = true

    enum CodingKeys: String, CodingKey { case table, chain, rule, ruleText, effect }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(table, forKey: .table)
        try container.encode(chain.description, forKey: .chain)
        try container.encodeIfPresent(ruleNumber, forKey: .rule)
        try container.encode(ruleText, forKey: .ruleText)
        try container.encode(effect, forKey: .effect)
    }
}

/// How a branch of the trace ends.
public enum Disposition: Sendable, Hashable {
    /// Delivered to a process on the node (after INPUT).
    case delivered
    /// Routed on towards its (possibly rewritten) destination.
    case forwarded
    case dropped(table: String, chain: ChainName, rule: Int?)
    case rejected(table: String, chain: ChainName, rule: Int?)
    /// The walk could not finish (jump loop, unknown chain).
    case unresolved(String)

    public var text: String {
        switch self {
        case .delivered: return "delivered to the node"
        case .forwarded: return "forwarded"
        case .dropped(let table, let chain, let rule): return "DROP in \(table) \(chain)" + (rule.map { " rule \($0)" } ?? " (policy)")
        case .rejected(let table, let chain, let rule): return "REJECT in \(table) \(chain)" + (rule.map { " rule \($0)" } ?? "")
        case .unresolved(let reason): return "unresolved: \(reason)"
        }
    }

    public var passes: Bool { self == .delivered || self == .forwarded }
}

/// One way the packet can go, with its exact probability.
public struct TraceOutcome: Sendable, Encodable {
    public var probability: Probability
    public var steps: [TraceStep]
    public var disposition: Disposition
    /// The packet as it leaves (destination rewritten by DNAT).
    public var packet: TracePacket
    /// Where DNAT sent it, as `IP:port`.
    public var dnatTarget: String?
    /// SNAT to the node's address on the way out (MASQUERADE reached).
    public var masqueraded: Bool
    public var notes: [String]
    public var policy: PolicyVerdict

    enum CodingKeys: String, CodingKey {
        case probability, percent, steps, disposition, destination, dnat, masqueraded, mark, notes, policy
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(probability.description, forKey: .probability)
        try container.encode(probability.percentText, forKey: .percent)
        try container.encode(steps, forKey: .steps)
        try container.encode(disposition.text, forKey: .disposition)
        try container.encode(TracePacket.endpoint(packet.destination, packet.destinationPort), forKey: .destination)
        try container.encodeIfPresent(dnatTarget, forKey: .dnat)
        try container.encode(masqueraded, forKey: .masqueraded)
        try container.encode("0x" + String(packet.mark, radix: 16), forKey: .mark)
        try container.encode(notes, forKey: .notes)
        try container.encode(policy.text, forKey: .policy)
    }
}

/// Every way one packet can go through the node's rules.
public struct TraceResult: Sendable, Encodable {
    public var packet: TracePacket
    public var origin: PacketOrigin
    public var outcomes: [TraceOutcome]
    public var notes: [String]
    /// Whether the trace stopped at its bounds (`TraceLimits`); the unexplored rest is one
    /// outcome, and a note says how much.
    public var boundHit: Bool

    public init(packet: TracePacket, origin: PacketOrigin, outcomes: [TraceOutcome], notes: [String], boundHit: Bool = false) {
        self.packet = packet
        self.origin = origin
        self.outcomes = outcomes
        self.notes = notes
        self.boundHit = boundHit
    }

    enum CodingKeys: String, CodingKey { case packet, origin, outcomes, notes, boundHit }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(packet.description, forKey: .packet)
        try container.encode(origin.rawValue, forKey: .origin)
        try container.encode(outcomes, forKey: .outcomes)
        try container.encode(notes, forKey: .notes)
        try container.encode(boundHit, forKey: .boundHit)
    }

    /// The outcomes' probabilities add up to one.
    public var totalProbability: Probability {
        outcomes.reduce(Probability.zero) { $0.adding($1.probability) }
    }
}
