import IPTablesText
import NetworkAddresses
import RuleModel

/// Walks the chains of one table the way the kernel does for one packet: rules in order,
/// jumps return to the next rule, gotos return to the caller's caller, RETURN or the end of a
/// regular chain goes back, terminal verdicts stop the table. Statistic matches split the
/// walk into branches carrying exact probabilities. Branches that meet again at the same rule
/// with the same packet state are merged, and the budget bounds what one trace explores.
struct ChainWalker {
    let table: Table
    let family: IPFamily
    let environment: TraceEnvironment
    private let index: [ChainName: Int]
    private let evaluator: MatchEvaluator
    private let budget: WalkBudget
    private let memo = WalkMemo()
    static let maximumDepth = 64

    init(table: Table, family: IPFamily, environment: TraceEnvironment, budget: WalkBudget,
         interfaces: (input: InterfaceState, output: InterfaceState) = (.unknown, .unknown)) {
        self.table = table
        self.family = family
        self.environment = environment
        self.budget = budget
        index = table.chainIndex()
        evaluator = MatchEvaluator(environment: environment, table: table, interfaces: interfaces)
    }

    func walk(_ chain: ChainName, _ state: WalkState, depth: Int = 0) -> [(WalkState, Flow)] {
        guard depth < ChainWalker.maximumDepth else { return [(state, .unresolved("more than \(ChainWalker.maximumDepth) nested jumps at \(chain)"))] }
        guard let position = index[chain] else { return [(state, .unresolved("jump to \(table.name) \(chain), which does not exist"))] }
        // A chain entered again with the same packet state ends the same ways: the walk is
        // done once, from probability one and no steps, and replayed onto each caller.
        let key = WalkMemo.Key(chain: chain, depth: depth, state: state.key)
        let relative: [(WalkState, Flow)]
        if let cached = memo.results[key] {
            relative = cached
        } else {
            var seed = state
            seed.probability = .one
            seed.steps = []
            seed.paths = 1
            if table.provenance(of: table.chains[position])?.isNetworkPolicy == true, !seed.policyChains.contains(chain.description) {
                seed.policyChains.append(chain.description)
            }
            relative = walkRules(table.chains[position], seed, depth: depth)
            memo.results[key] = relative
        }
        return relative.map { result, flow in
            var next = result
            next.probability = state.probability.multiplied(by: result.probability)
            next.paths = WalkState.saturated(state.paths.multipliedReportingOverflow(by: result.paths))
            guard budget.allows(steps: state.steps.count + result.steps.count) else {
                next.steps = state.steps + result.steps.prefix(max(0, budget.maximumSteps - state.steps.count))
                return (next, .unresolved(WalkBudget.reason))
            }
            next.steps = state.steps + result.steps
            return (next, flow)
        }
    }

    /// Walks the chain's rules with every state standing at the same rule together, merging
    /// those that agree before the next rule.
    private func walkRules(_ chain: Chain, _ state: WalkState, depth: Int) -> [(WalkState, Flow)] {
        var results: [(WalkState, Flow)] = []
        var current = [state]
        var ruleIndex = 0
        while ruleIndex < chain.rules.count, !current.isEmpty {
            let rule = chain.rules[ruleIndex]
            var following: [WalkState] = []
            for state in current {
                guard budget.allows(steps: state.steps.count) else {
                    results.append((state, .unresolved(WalkBudget.reason)))
                    continue
                }
                let (matched, missed) = split(rule, chain: chain.name, number: ruleIndex + 1, state, stopped: &results)
                if let matched {
                    for (next, flow) in apply(rule, chain: chain.name, number: ruleIndex + 1, matched, depth: depth) {
                        if case .next = flow { following.append(next) } else { results.append((next, flow)) }
                    }
                }
                if let missed { following.append(missed) }
            }
            current = StateMerging.merged(following)
            ruleIndex += 1
        }
        results += current.map { ($0, .returned) }
        return StateMerging.merged(results)
    }

    /// The branch where the rule matches and the branch where it does not (nil when impossible).
    /// When the rule would branch but the budget is spent, the state ends in `stopped`.
    private func split(_ rule: Rule, chain: ChainName, number: Int, _ state: WalkState,
                       stopped: inout [(WalkState, Flow)]) -> (WalkState?, WalkState?) {
        var chance = Probability.one
        var recorded: [ChainName] = []
        var unknown: [String] = []
        for match in rule.matches {
            switch evaluator.evaluate(match, state) {
            case .unknown(let reason): unknown.append(reason)
            case .no:
                var missed = state
                if case .recent(_, .check(let seconds, _)) = match {
                    missed.note("session affinity: the client is in no affinity list yet (a first connection); "
                        + "for \(seconds) s its later connections stick to the endpoint chosen now")
                }
                return (nil, missed)
            case .yes: continue
            case .random(let probability): chance = chance.multiplied(by: probability)
            case .recordsClient(let list): recorded.append(list)
            }
        }
        if !unknown.isEmpty {
            let place = "\(table.name) \(chain) rule \(number)"
            // Whether it matches changes nothing when all it does is observe the packet.
            if UnmodelledTargets.onlyObserves(rule.verdict) {
                var skipped = state
                skipped.note("\(place) may \(rule.verdict == nil ? "count" : "log") the packet (\(unknown.joined(separator: "; ")))")
                return (nil, skipped)
            }
            guard budget.admit(1) else {
                stopped.append((state, .unresolved(WalkBudget.reason)))
                return (nil, nil)
            }
            var missed = state
            missed.note(UnmodelledTargets.assumption + "\(place) does not match (\(unknown.joined(separator: "; ")))")
            var skipped = step(rule, chain: chain, number: number, effect: "assumed not to match (may match: \(unknown.joined(separator: "; ")))")
            skipped.taken = false
            missed.steps.append(skipped)
            var matched = state
            matched.note(UnmodelledTargets.assumption + "\(place) matches (\(unknown.joined(separator: "; ")))")
            for list in recorded { matched.recordedClients.insert(RecentEntry(list: list, client: state.packet.source)) }
            matched.probability = state.probability.multiplied(by: chance)
            return (matched, missed)
        }
        var matched = state
        for list in recorded {
            matched.recordedClients.insert(RecentEntry(list: list, client: state.packet.source))
            matched.note("session affinity: the client is recorded in recent list \(list)")
        }
        if chance == .one { return (matched, nil) }
        if chance == .zero { return (nil, state) }
        guard budget.admit(1) else {
            stopped.append((state, .unresolved(WalkBudget.reason)))
            return (nil, nil)
        }
        matched.probability = state.probability.multiplied(by: chance)
        var missed = state
        missed.probability = state.probability.multiplied(by: chance.complement)
        var skipped = step(rule, chain: chain, number: number, effect: "not taken (probability \(chance.complement) of reaching it)")
        skipped.draw = chance.complement
        skipped.taken = false
        missed.steps.append(skipped)
        return (matched, missed)
    }

    private func apply(_ rule: Rule, chain: ChainName, number: Int, _ state: WalkState, depth: Int) -> [(WalkState, Flow)] {
        var state = state
        let drew = rule.matches.compactMap { match -> Probability? in
            if case .statistic(let probability) = match { return probability }
            return nil
        }
        let drawText = drew.isEmpty ? "" : " (statistic draw \(drew.map(\.description).joined(separator: " and ")) taken)"
        func record(_ effect: String, target: ChainName? = nil) {
            var taken = step(rule, chain: chain, number: number, effect: effect + drawText, target: target)
            taken.draw = drew.isEmpty ? nil : drew.reduce(Probability.one) { $0.multiplied(by: $1) }
            state.steps.append(taken)
        }
        guard let verdict = rule.verdict else {
            record("matches (no target)")
            return [(state, .next)]
        }
        switch verdict {
        case .accept:
            record("ACCEPT")
            return [(state, .accepted)]
        case .drop:
            record("DROP")
            return [(state, .dropped(chain: chain, rule: number))]
        case .reject(let kind):
            record("REJECT (\(kind.map { "\($0)" } ?? "port unreachable"))")
            return [(state, .rejected(chain: chain, rule: number))]
        case .return:
            record("RETURN")
            return [(state, .returned)]
        case .jump(let target):
            record("jump \(target)", target: target)
            return walk(target, state, depth: depth + 1).map { next, flow in
                if case .returned = flow { return (next, .next) }
                return (next, flow)
            }
        case .goto(let target):
            record("goto \(target)", target: target)
            return walk(target, state, depth: depth + 1)
        case .dnat(let address, let port):
            let target = TracePacket.endpoint(address, port ?? state.packet.destinationPort)
            record("DNAT to \(target)")
            state.packet.destination = address
            if let port { state.packet.destinationPort = port }
            state.dnatTarget = target
            state.conntrack.insert(.dnat)
            return [(state, .accepted)]
        case .masquerade(let randomFully):
            record("MASQUERADE (source becomes the node's address on the way out\(randomFully ? ", random-fully" : ""))")
            state.masqueraded = true
            state.conntrack.insert(.snat)
            return [(state, .accepted)]
        case .setMark(.or(let mark)):
            state.packet.mark |= mark.value
            record("mark |= \(mark) (now 0x\(String(state.packet.mark, radix: 16)))")
            return [(state, .next)]
        case .setMark(.xor(let mark)):
            state.packet.mark ^= mark.value
            record("mark ^= \(mark) (now 0x\(String(state.packet.mark, radix: 16)))")
            return [(state, .next)]
        case .setMark(.set(let value, let mask)):
            state.packet.mark = (state.packet.mark & ~mask.value) ^ value.value
            record("mark = (mark & ~\(mask)) ^ \(value) (now 0x\(String(state.packet.mark, radix: 16)))")
            return [(state, .next)]
        case .verdictMap(let fields, let mapName):
            guard let map = table.maps.first(where: { $0.name == mapName }),
                  let entry = map.entries.first(where: { KeyLookup.matches($0.key, fields: fields, packet: state.packet) }) else {
                record("verdict map \(mapName): no entry for the packet")
                return [(state, .next)]
            }
            record("verdict map \(mapName) -> \(entry.verdict)")
            return apply(Rule([], entry.verdict), chain: chain, number: number, state, depth: depth)
        case .unrecognized(let text):
            let name = verdict.unrecognizedTarget ?? text
            switch UnmodelledTargets.kind(name) {
            case .observes:
                record("\(name) (not modelled; it only observes, the packet goes on)")
                return [(state, .next)]
            case .changesState:
                record("\(name) (not modelled; the packet goes on)")
                state.note("\(table.name) \(chain) rule \(number): -j \(name) may change packet or connection state the trace does not follow")
                return [(state, .next)]
            case .translates:
                record("\(name) (address translation not modelled; the table's traversal ends)")
                state.note("\(table.name) \(chain) rule \(number): -j \(name) rewrites addresses in a way the trace does not follow")
                return [(state, .accepted)]
            case .unknown:
                record("\(name) (not modelled)")
                return [(state, .unresolved("\(table.name) \(chain) rule \(number): what -j \(name) does with the packet is not modelled"))]
            }
        case .randomChoice(let targets):
            guard !targets.isEmpty else { return [(state, .next)] }
            guard budget.admit(targets.count - 1) else { return [(state, .unresolved(WalkBudget.reason))] }
            return targets.flatMap { target -> [(WalkState, Flow)] in
                var branch = state
                let share = Probability.oneIn(targets.count)
                branch.probability = state.probability.multiplied(by: share)
                branch.steps.append(step(rule, chain: chain, number: number, effect: "random choice \(share): goto \(target)", target: target))
                return walk(target, branch, depth: depth + 1)
            }
        }
    }

    private func step(_ rule: Rule, chain: ChainName, number: Int, effect: String, target: ChainName? = nil) -> TraceStep {
        let text = (try? IPTablesTextWriter.line(rule, chain: chain, table: table.name, family: family)) ?? "-A \(chain) \(rule)"
        return TraceStep(table: table.name, chain: chain, ruleNumber: number, ruleText: text, effect: effect,
                         target: target ?? rule.verdict?.targetChains.first)
    }
}

/// The ways each chain walk ended, by where it started (`ChainWalker.walk`).
final class WalkMemo {
    struct Key: Hashable {
        let chain: ChainName
        let depth: Int
        let state: WalkState.Key
    }

    var results: [Key: [(WalkState, Flow)]] = [:]
}
