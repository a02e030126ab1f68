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

    mutating func note(_ text: String) {
        if !notes.contains(text) { notes.append(text) }
    }
}

/// How a chain walk ends for one branch.
enum Flow {
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
