import NetworkAddresses
import RuleModel

/// Follows the first packet of a connection through a ruleset's base chains in the kernel's
/// order: PREROUTING (arriving) or OUTPUT (sent by the node), the routing decision on the
/// possibly DNATed destination, INPUT or FORWARD, POSTROUTING. At each hook every table's base
/// chain attached there runs, by priority (nat before filter at PREROUTING and OUTPUT, after
/// at POSTROUTING and INPUT). Nothing here knows kube-proxy: NetworkPolicy chains or any other
/// filter chains in the model are walked the same way.
public struct PacketTracer: Sendable {
    public let ruleset: Ruleset
    public let environment: TraceEnvironment

    public init(ruleset: Ruleset, environment: TraceEnvironment) {
        self.ruleset = ruleset
        self.environment = environment
    }

    public func trace(_ packet: TracePacket) -> TraceResult {
        let origin = environment.origin ?? (environment.isLocal(packet.source) ? .node : .network)
        var notes: [String] = []
        if packet.destination.family != ruleset.family {
            notes.append("the packet is \(packet.destination.family.rawValue) but the rules are \(ruleset.family.rawValue)")
        }
        let hooksWithRules = Set(ruleset.tables.flatMap { $0.chains.filter { !$0.rules.isEmpty }.compactMap(\.attachment?.hook) })
        let holdsRules = ruleset.tables.contains { $0.chains.contains { !$0.rules.isEmpty } }
        if !holdsRules {
            // Tables without a single rule (an empty namespace's): only their policies act. No
            // table at all says nothing here; the caller knows what it left out.
            if !ruleset.tables.isEmpty { notes.append("no chain holds a rule: only the built-in chains' policies decide") }
        } else if hooksWithRules.isEmpty {
            notes.append("no built-in chain holds a rule (a restore payload without kube-proxy's jump rules?): nothing is entered")
        }

        let budget = WalkBudget(environment.limits)
        var finished: [(WalkState, Disposition)] = []
        let first: [Hook] = origin == .network ? [.prerouting] : [.output, .postrouting]
        var states = run(first, [WalkState(packet: packet)], origin: origin, budget: budget, finished: &finished)
        var delivered: [WalkState] = []
        var forwarded: [WalkState] = []
        for state in states {
            if environment.isLocal(state.packet.destination) { delivered.append(state) } else { forwarded.append(state) }
        }
        delivered = run([.input], delivered, origin: origin, budget: budget, finished: &finished)
        forwarded = origin == .network
            ? run([.forward, .postrouting], forwarded, origin: origin, budget: budget, finished: &finished) : forwarded
        states = []
        finished += delivered.map { ($0, .delivered) }
        finished += forwarded.map { ($0, .forwarded) }
        let outcomes = merged(finished).map { outcome($0.0, $0.1) }
        if outcomes.contains(where: { $0.notes.contains { $0.hasPrefix(UnmodelledTargets.assumption) } }) {
            notes.append("some rules could not be evaluated (kept verbatim, or an interface not given): both ways were "
                + "followed at each, so an outcome's probability holds only under the assumptions its notes list")
        }
        if budget.hit {
            let left = outcomes.filter { $0.disposition == .unresolved(WalkBudget.reason) }
                .reduce(Probability.zero) { $0.adding($1.probability) }
            notes.append("bound hit: the trace stopped after \(budget.paths) paths or \(budget.maximumSteps) rules on one path "
                + "(limits \(budget.maximumPaths) paths, \(budget.maximumSteps) rules per path); "
                + "\(left) (\(left.percentText)) of the probability was not explored further")
        }
        // Most likely first; equal chances keep the walk's order (rule order).
        let ordered = outcomes.enumerated().sorted { lhs, rhs in
            lhs.element.probability != rhs.element.probability ? lhs.element.probability > rhs.element.probability : lhs.offset < rhs.offset
        }.map(\.element)
        return TraceResult(packet: packet, origin: origin, outcomes: ordered, notes: notes, boundHit: budget.hit)
    }

    /// Identical outcomes (same ending, same packet state) become one; everything the budget
    /// stopped becomes one outcome, whatever its state.
    private func merged(_ finished: [(WalkState, Disposition)]) -> [(WalkState, Disposition)] {
        var result: [(WalkState, Disposition)] = []
        var index: [OutcomeKey: Int] = [:]
        for (state, disposition) in finished {
            let stopped = disposition == .unresolved(WalkBudget.reason)
            let key = OutcomeKey(state: stopped ? nil : state.key, disposition: disposition)
            if let at = index[key] {
                if stopped { result[at].0.notes = [] }
                result[at].0.absorb(state)
            } else {
                index[key] = result.count
                result.append((state, disposition))
            }
        }
        return result
    }

    private struct OutcomeKey: Hashable {
        let state: WalkState.Key?
        let disposition: Disposition
    }

    /// Runs the hooks in order; branches that are dropped or rejected end up in `finished`.
    private func run(_ hooks: [Hook], _ states: [WalkState], origin: PacketOrigin, budget: WalkBudget,
                     finished: inout [(WalkState, Disposition)]) -> [WalkState] {
        var current = states
        for hook in hooks {
            let chains = ruleset.tables.flatMap { table in
                table.chains.compactMap { chain in chain.attachment?.hook == hook ? (table, chain) : nil }
            }.enumerated().sorted { lhs, rhs in
                let (l, r) = (lhs.element.1.attachment!.priority, rhs.element.1.attachment!.priority)
                return l != r ? l < r : lhs.offset < rhs.offset
            }.map(\.element)
            for (table, chain) in chains {
                let walker = ChainWalker(table: table, family: ruleset.family, environment: environment, budget: budget,
                                         interfaces: interfaces(at: hook, origin: origin, packet: current.first?.packet))
                var survivors: [WalkState] = []
                for state in current {
                    for (next, flow) in walker.walk(chain.name, state) {
                        switch flow {
                        case .accepted:
                            survivors.append(next)
                        case .next, .returned:
                            // Off the end of a base chain: its policy decides.
                            if chain.attachment!.policyAccepts {
                                survivors.append(next)
                            } else {
                                var dropped = next
                                dropped.steps.append(TraceStep(table: table.name, chain: chain.name, ruleNumber: nil,
                                                               ruleText: ":\(chain.name) DROP", effect: "policy DROP"))
                                finished.append((dropped, .dropped(table: table.name, chain: chain.name, rule: nil)))
                            }
                        case .dropped(let at, let rule):
                            finished.append((next, .dropped(table: table.name, chain: at, rule: rule)))
                        case .rejected(let at, let rule):
                            finished.append((next, .rejected(table: table.name, chain: at, rule: rule)))
                        case .unresolved(let reason):
                            finished.append((next, .unresolved(reason)))
                        }
                    }
                }
                current = StateMerging.merged(survivors)
            }
        }
        return current
    }

    /// The interfaces a packet has at `hook`: an input one where it arrived from the network
    /// (not for the node's own packets), an output one once routed (not at PREROUTING/INPUT).
    private func interfaces(at hook: Hook, origin: PacketOrigin, packet: TracePacket?) -> (input: InterfaceState, output: InterfaceState) {
        func known(_ name: String?) -> InterfaceState { name.map(InterfaceState.named) ?? .unknown }
        let hasInput = origin == .network && [.prerouting, .input, .forward].contains(hook)
        let hasOutput = [.forward, .output, .postrouting].contains(hook)
        return (hasInput ? known(packet?.inInterface) : .absent, hasOutput ? known(packet?.outInterface) : .absent)
    }

    private func outcome(_ state: WalkState, _ disposition: Disposition) -> TraceOutcome {
        var notes = state.notes
        if state.paths > 1 {
            notes.append("\(state.paths) paths end here with the same packet state: their probabilities are summed "
                + "(the likeliest path is shown)")
        }
        return TraceOutcome(probability: state.probability, steps: state.steps, disposition: disposition, packet: state.packet,
                            dnatTarget: state.dnatTarget, masqueraded: state.masqueraded, notes: notes,
                            policy: policyVerdict(state, disposition))
    }

    private func policyVerdict(_ state: WalkState, _ disposition: Disposition) -> PolicyVerdict {
        switch disposition {
        case .dropped(let table, let chain, let rule), .rejected(let table, let chain, let rule):
            if let owner = ruleset[table: table], let dropping = owner.chain(named: chain),
               owner.provenance(of: dropping)?.isNetworkPolicy == true {
                return .denied(chain: chain.description, rule: rule)
            }
        default:
            break
        }
        return state.policyChains.isEmpty ? .notEvaluated : .allowed(chains: state.policyChains)
    }
}
