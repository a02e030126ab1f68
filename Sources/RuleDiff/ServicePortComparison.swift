import IPTablesText
import NetworkAddresses
import RuleModel

/// Compares one Service port's rules on both sides.
struct ServicePortComparison {
    let family: IPFamily
    let a: RulesetView
    let b: RulesetView

    func compare(_ name: String) -> ServicePortDiff? {
        switch (a.servicePorts[name], b.servicePorts[name]) {
        case (nil, nil):
            return nil
        case (let view?, nil):
            return summary(view, in: a, status: .removed)
        case (nil, let view?):
            return summary(view, in: b, status: .added)
        case (let left?, let right?):
            let diff = changes(left, right)
            return diff.differenceCount == 0 ? nil : diff
        }
    }

    private func summary(_ view: ServicePortView, in side: RulesetView, status: ServicePortDiff.Status) -> ServicePortDiff {
        var diff = ServicePortDiff(name: view.name, protocol: view.proto?.rawValue, status: status)
        for key in view.sharedRules.keys.sorted() {
            for (rule, entry) in view.sharedRules[key]! {
                diff.entryPoints.append(EntryPointText.describe(rule, entry: entry, in: key))
            }
        }
        for (key, chain) in view.chains.sorted(by: { $0.key < $1.key }) where view.dispatchChains.contains(key) {
            diff.endpoints += shares(of: Dispatch(chain, table: key.table, family: family, endpointOfChain: side.endpointOfChain),
                                     chain: chain.name)
        }
        return diff
    }

    private func shares(of dispatch: Dispatch, chain: ChainName, only: Set<String>? = nil) -> [EndpointShare] {
        let shares = dispatch.shares()
        return shares.keys.sorted().filter { only?.contains($0) ?? true }.map {
            EndpointShare(endpoint: $0, chain: chain.description, share: shares[$0]!.description, percent: shares[$0]!.percentText)
        }
    }

    private func changes(_ left: ServicePortView, _ right: ServicePortView) -> ServicePortDiff {
        var diff = ServicePortDiff(name: left.name, protocol: (left.proto ?? right.proto)?.rawValue, status: .changed)

        // Endpoints, with the share each gets on the side that has it.
        let leftEndpoints = left.endpoints, rightEndpoints = right.endpoints
        let removed = Set(leftEndpoints.keys).subtracting(rightEndpoints.keys)
        let added = Set(rightEndpoints.keys).subtracting(leftEndpoints.keys)
        diff.endpointsRemoved = endpointShares(removed, view: left, side: a)
        diff.endpointsAdded = endpointShares(added, view: right, side: b)

        // Own chains present on both sides.
        for key in Set(left.chains.keys).union(right.chains.keys).sorted() {
            switch (left.chains[key], right.chains[key]) {
            case (let l?, let r?):
                if left.dispatchChains.contains(key) {
                    compareDispatch(l, r, key: key, endpointsOnBothSides: Set(leftEndpoints.keys).intersection(rightEndpoints.keys),
                                    into: &diff)
                } else if let change = ruleDiff(l.rules, r.rules, key: key) {
                    diff.ruleChanges.append(change)
                }
            case (let l?, nil): diff.missingChains.append(ChainSummary(key, l.rules, family: family))
            case (nil, let r?): diff.extraChains.append(ChainSummary(key, r.rules, family: family))
            default: break
            }
        }

        // SEP chains of the endpoints both sides have.
        for endpoint in Set(leftEndpoints.keys).intersection(rightEndpoints.keys).sorted() {
            let l = leftEndpoints[endpoint]!, r = rightEndpoints[endpoint]!
            if l.key != r.key {
                diff.missingChains.append(ChainSummary(l.key, l.chain.rules, family: family))
                diff.extraChains.append(ChainSummary(r.key, r.chain.rules, family: family))
            } else if let change = ruleDiff(l.chain.rules, r.chain.rules, key: r.key) {
                diff.ruleChanges.append(change)
            }
        }

        // Its rules in shared chains.
        for key in Set(left.sharedRules.keys).union(right.sharedRules.keys).sorted() {
            if let change = ruleDiff((left.sharedRules[key] ?? []).map(\.rule), (right.sharedRules[key] ?? []).map(\.rule), key: key) {
                diff.ruleChanges.append(change)
            }
        }
        return diff
    }

    /// Endpoints only one side has, with their share in that side's dispatch chains.
    private func endpointShares(_ endpoints: Set<String>, view: ServicePortView, side: RulesetView) -> [EndpointShare] {
        guard !endpoints.isEmpty else { return [] }
        var result: [EndpointShare] = []
        var placed = Set<String>()
        for (key, chain) in view.chains.sorted(by: { $0.key < $1.key }) where view.dispatchChains.contains(key) {
            let found = shares(of: Dispatch(chain, table: key.table, family: family, endpointOfChain: side.endpointOfChain),
                               chain: chain.name, only: endpoints)
            placed.formUnion(found.map(\.endpoint))
            result += found
        }
        // Endpoints whose SEP chain no dispatch chain jumps to.
        for endpoint in endpoints.subtracting(placed).sorted() {
            result.append(EndpointShare(endpoint: endpoint, chain: "", share: "0", percent: "0.00%"))
        }
        return result
    }

    /// The split over the endpoints both sides have is compared after renormalising, so that
    /// adding or removing an endpoint is reported once, not also as a change of every other
    /// endpoint's probability. An endpoint whose chain both sides have but only one side's
    /// dispatch chooses is a change of the split.
    private func compareDispatch(_ l: Chain, _ r: Chain, key: ChainKey, endpointsOnBothSides: Set<String>,
                                 into diff: inout ServicePortDiff) {
        let left = Dispatch(l, table: key.table, family: family, endpointOfChain: a.endpointOfChain)
        let right = Dispatch(r, table: key.table, family: family, endpointOfChain: b.endpointOfChain)
        let common = left.endpoints.intersection(right.endpoints)
        let storedLeft = left.storedShares(), storedRight = right.storedShares()
        let totalLeft = common.reduce(0) { $0 + storedLeft[$1]! }, totalRight = common.reduce(0) { $0 + storedRight[$1]! }
        let chosenOnOneSide = !left.endpoints.symmetricDifference(right.endpoints).isDisjoint(with: endpointsOnBothSides)
        let splitDiffers = chosenOnOneSide || common.contains { endpoint in
            let l = totalLeft > 0 ? storedLeft[endpoint]! / totalLeft : 0
            let r = totalRight > 0 ? storedRight[endpoint]! / totalRight : 0
            return abs(l - r) > 1e-9
        }
        if splitDiffers {
            let sharesLeft = left.shares(), sharesRight = right.shares()
            let entries = left.endpoints.union(right.endpoints).sorted().map { endpoint -> DispatchEntry in
                let ruleLeft = left.ruleProbability(of: endpoint), ruleRight = right.ruleProbability(of: endpoint)
                return DispatchEntry(
                    endpoint: endpoint,
                    ruleProbabilityA: ruleLeft.map { $0?.ruleText ?? "none (takes the rest)" },
                    ruleProbabilityB: ruleRight.map { $0?.ruleText ?? "none (takes the rest)" },
                    shareA: sharesLeft[endpoint].map { "\($0) (\($0.percentText))" },
                    shareB: sharesRight[endpoint].map { "\($0) (\($0.percentText))" },
                    ruleChanged: common.contains(endpoint) && ruleLeft.map { $0.map(StatisticProbability.kernelValue) }
                        != ruleRight.map { $0.map(StatisticProbability.kernelValue) })
            }
            diff.probabilityChanges.append(DispatchChange(table: key.table, chain: l.name.description, endpoints: entries))
        }

        // Everything else about the rules: other matches of the dispatch rules, affinity
        // checks, and the chain's other rules.
        var onlyA: [String] = [], onlyB: [String] = []
        for endpoint in common.sorted() {
            let restLeft = left.steps.filter { $0.endpoint == endpoint }.map(\.rest)
            let restRight = right.steps.filter { $0.endpoint == endpoint }.map(\.rest)
            let (ra, rb) = SequenceDiff.multisetDifference(restLeft, restRight)
            onlyA += ra.map(\.text); onlyB += rb.map(\.text)
            let (aa, ab) = SequenceDiff.multisetDifference(left.affinity[endpoint] ?? [], right.affinity[endpoint] ?? [])
            onlyA += aa.map(\.text); onlyB += ab.map(\.text)
        }
        let (oa, ob) = SequenceDiff.difference(left.otherRules.map { RuleKey($0, family: family) },
                                               right.otherRules.map { RuleKey($0, family: family) })
        onlyA += oa.map(\.text); onlyB += ob.map(\.text)
        if !onlyA.isEmpty || !onlyB.isEmpty {
            diff.ruleChanges.append(ChainDiff(table: key.table, chain: key.chain.description, onlyInA: onlyA, onlyInB: onlyB))
        }
    }

    private func ruleDiff(_ l: [Rule], _ r: [Rule], key: ChainKey) -> ChainDiff? {
        let (onlyA, onlyB) = SequenceDiff.difference(l.map { RuleKey($0, family: family) }, r.map { RuleKey($0, family: family) })
        if onlyA.isEmpty && onlyB.isEmpty { return nil }
        return ChainDiff(table: key.table, chain: key.chain.description, onlyInA: onlyA.map(\.text), onlyInB: onlyB.map(\.text))
    }
}

extension ChainSummary {
    init(_ key: ChainKey, _ rules: [Rule], family: IPFamily) {
        self.init(table: key.table, chain: key.chain.description, rules: rules.map { RuleKey($0, family: family).text })
    }
}
