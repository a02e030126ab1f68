import NetworkAddresses
import RuleModel

/// What one match says about the traced packet.
enum MatchResult {
    case yes
    case no
    /// Holds with this probability, independently of everything else.
    case random(Probability)
    /// Holds, and records the client in a recent list.
    case recordsClient(ChainName)
    /// Cannot be told (a verbatim match, an interface not given): both ways are followed.
    case unknown(String)
}

/// What the packet's interfaces are at one hook.
enum InterfaceState: Equatable {
    /// The hook has none (no input interface for the node's own packets, no output one before routing).
    case absent
    case named(String)
    /// There is one, but the trace was not told which.
    case unknown
}

/// Evaluates matches against the packet, its conntrack state and the node.
struct MatchEvaluator {
    let environment: TraceEnvironment
    let table: Table
    /// The input and output interface at the hook being walked.
    var interfaces: (input: InterfaceState, output: InterfaceState) = (.unknown, .unknown)

    func evaluate(_ match: Match, _ state: WalkState) -> MatchResult {
        let packet = state.packet
        switch match {
        case .source(let address, let negated):
            return holds(address.contains(packet.source) != negated)
        case .destination(let address, let negated):
            return holds(address.contains(packet.destination) != negated)
        case .l4Protocol(let proto):
            return holds(packet.proto == proto)
        case .destinationPort(let range, let negated):
            return holds(range.contains(packet.destinationPort) != negated)
        case .sourcePort(let range, let negated):
            return holds(range.contains(packet.sourcePort) != negated)
        case .comment:
            return .yes
        case .addressType(let direction, .local, let negated):
            return holds(environment.isLocal(direction == .source ? packet.source : packet.destination) != negated)
        case .conntrackState(let states, let negated):
            return holds(!state.conntrack.isDisjoint(with: states) != negated)
        case .mark(let value, let mask, let negated):
            return holds((packet.mark & mask.value == value.value) != negated)
        case .statistic(let probability):
            return .random(probability)
        case .recent(let name, .set):
            return .recordsClient(name)
        case .recent(let name, .check):
            let seen = environment.recentEntries[name]?.contains(packet.source) == true
                || state.recordedClients.contains(RecentEntry(list: name, client: packet.source))
            return holds(seen)
        case .inSet(let fields, let setName, let negated):
            guard let set = table.sets.first(where: { $0.name == setName }) else { return .no }
            var found = set.elements.contains { KeyLookup.matches($0.key, fields: fields, packet: packet) }
            // A dynamic set also holds the clients this walk recorded with `update`.
            if !found, fields == [.sourceAddress] {
                found = environment.recentEntries[setName]?.contains(packet.source) == true
                    || state.recordedClients.contains(RecentEntry(list: setName, client: packet.source))
            }
            return holds(found != negated)
        case .inAnonymousSet(let field, let elements, let negated):
            let found = elements.contains { KeyLookup.matches([$0], fields: [field], packet: packet) }
            return holds(found != negated)
        case .updateSet(_, let setName):
            return .recordsClient(setName)
        case .interface(let direction, let name, let negated):
            switch direction == .input ? interfaces.input : interfaces.output {
            case .absent: return holds(negated)
            case .named(let interface): return holds(name.matches(interface) != negated)
            case .unknown:
                return .unknown("the \(direction == .input ? "input" : "output") interface is not known "
                    + "(--\(direction == .input ? "in" : "out")-interface)")
            }
        case .unrecognized(let text):
            return .unknown("'\(text)' is not in the rule model")
        }
    }

    private func holds(_ value: Bool) -> MatchResult { value ? .yes : .no }
}

/// Set and map keys against the packet.
enum KeyLookup {
    static func matches(_ key: [KeyComponent], fields: [PacketField], packet: TracePacket) -> Bool {
        guard key.count == fields.count else { return false }
        for (component, field) in zip(key, fields) {
            let address: IPAddress? = field == .sourceAddress ? packet.source : field == .destinationAddress ? packet.destination : nil
            let port: UInt16? = field == .sourcePort ? packet.sourcePort : field == .destinationPort ? packet.destinationPort : nil
            switch component {
            case .address(let value): if address != value { return false }
            case .prefix(let prefix): if address.map(prefix.contains) != true { return false }
            case .l4Protocol(let proto): if field != .l4Protocol || packet.proto != proto { return false }
            case .port(let value): if port != value { return false }
            }
        }
        return true
    }
}
