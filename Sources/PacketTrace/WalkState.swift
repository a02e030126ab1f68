import NetworkAddresses
import RuleModel

struct RecentEntry: Hashable {
    let list: ChainName
    let client: IPAddress
}

/// One branch of the walk so far.
struct WalkState {
    var packet: TracePacket
    var probability: Probability = .one
    var steps: [TraceStep] = []
    var notes: [String] = []
    /// Conntrack states the connection has (`NEW`, plus `DNAT`/`SNAT` once rewritten).
    var conntrack: Set<ConntrackState> = [.new]
    var dnatTarget: String?
    var masqueraded = false
    var recordedClients: Set<RecentEntry> = []
    var policyChains: [String] = []
    /// How many walked paths this state stands for (more than one once merged).
    var paths = 1

    mutating func note(_ text: String) {
        if !notes.contains(text) { notes.append(text) }
    }

    /// Everything that decides where the packet goes from here: states equal in it behave the
    /// same from the same point on, whatever path brought them there.
    struct Key: Hashable {
        let packet: TracePacket
        let conntrack: Set<ConntrackState>
        let dnatTarget: String?
        let masqueraded: Bool
        let recordedClients: Set<RecentEntry>
        let policyChains: [String]
        let notes: [String]
    }

    var key: Key {
        Key(packet: packet, conntrack: conntrack, dnatTarget: dnatTarget, masqueraded: masqueraded,
            recordedClients: recordedClients, policyChains: policyChains, notes: notes)
    }

    /// Folds `other` (same key, same point) into this state: probabilities add up, the path
    /// shown is the likelier one's (the first one's on a tie).
    mutating func absorb(_ other: WalkState) {
        if other.probability > probability { steps = other.steps }
        probability = probability.adding(other.probability)
        paths = WalkState.saturated(paths.addingReportingOverflow(other.paths))
    }

    /// Path counts grow exponentially with merged branches; past Int.max they stay there.
    static func saturated(_ result: (partialValue: Int, overflow: Bool)) -> Int {
        result.overflow ? Int.max : result.partialValue
    }
}

/// How a chain walk ends for one branch.
enum Flow: Hashable {
    /// On to the chain's next rule (no target, MARK, or a jump that came back).
    case next
    /// Back to the calling chain (RETURN, a goto's chain ending, or the end of a regular chain).
    case returned
    /// The table's traversal at this hook is over and the packet goes on (ACCEPT, DNAT, MASQUERADE).
    case accepted
    case dropped(chain: ChainName, rule: Int?)
    case rejected(chain: ChainName, rule: Int?)
    case unresolved(String)
}

/// Merges states that stand at the same point with the same packet state, keeping the order
/// in which each was first seen. This is what keeps a chain that branches and then rejoins
/// (a statistic rule whose both sides go on alike) from doubling the work at every level.
enum StateMerging {
    static func merged(_ states: [WalkState]) -> [WalkState] {
        guard states.count > 1 else { return states }
        var result: [WalkState] = []
        var index: [WalkState.Key: Int] = [:]
        for state in states {
            let key = state.key
            if let at = index[key] { result[at].absorb(state) } else {
                index[key] = result.count
                result.append(state)
            }
        }
        return result
    }

    static func merged(_ items: [(WalkState, Flow)]) -> [(WalkState, Flow)] {
        guard items.count > 1 else { return items }
        var result: [(WalkState, Flow)] = []
        var index: [FlowKey: Int] = [:]
        for (state, flow) in items {
            let key = FlowKey(state: state.key, flow: flow)
            if let at = index[key] { result[at].0.absorb(state) } else {
                index[key] = result.count
                result.append((state, flow))
            }
        }
        return result
    }

    private struct FlowKey: Hashable {
        let state: WalkState.Key
        let flow: Flow
    }
}

/// How much one trace may explore: new branches over the whole trace, rules met along one path.
/// Without a bound, a few rules that branch and jump into each other make exponentially many
/// paths (or exponentially long ones); with it, what is left unexplored ends as one outcome.
final class WalkBudget {
    let maximumPaths: Int
    let maximumSteps: Int
    private(set) var paths = 1
    private(set) var hit = false

    init(_ limits: TraceLimits) {
        maximumPaths = limits.maximumPaths
        maximumSteps = limits.maximumStepsPerPath
    }

    /// Whether `count` more branches may be explored; counts them when so.
    func admit(_ count: Int) -> Bool {
        guard paths + count <= maximumPaths else {
            hit = true
            return false
        }
        paths += count
        return true
    }

    /// Whether a path of `steps` rules may go on.
    func allows(steps: Int) -> Bool {
        if steps < maximumSteps { return true }
        hit = true
        return false
    }

    static let reason = "bound hit: not explored further"
}

/// The bounds of one trace (`TraceEnvironment.limits`).
public struct TraceLimits: Sendable, Equatable {
    /// Branches (statistic draws, random choices, unknown rules) a trace may explore in all.
    public var maximumPaths: Int
    /// Rules one path may meet (jumps that keep re-entering chains make paths long).
    public var maximumStepsPerPath: Int

    public init(maximumPaths: Int = 10_000, maximumStepsPerPath: Int = 10_000) {
        self.maximumPaths = max(1, maximumPaths)
        self.maximumStepsPerPath = max(1, maximumStepsPerPath)
    }
}
