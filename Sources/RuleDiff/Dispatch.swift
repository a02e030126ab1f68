import IPTablesText
import NetworkAddresses
import RuleModel

/// A KUBE-SVC/KUBE-SVL chain read as what it does: affinity checks, then a chain of
/// statistic rules that picks one endpoint, plus any other rules (the masquerade mark).
struct Dispatch {
    struct Step {
        let endpoint: String
        /// nil: the rule has no statistic match (takes everything that reaches it).
        let probability: Probability?
        /// The rule without its statistic match, to compare everything else about it.
        let rest: RuleKey
    }

    var steps: [Step] = []
    /// Session-affinity checks by endpoint.
    var affinity: [String: [RuleKey]] = [:]
    var otherRules: [Rule] = []

    init(_ chain: Chain, table: String, family: IPFamily, endpointOfChain: [ChainKey: String]) {
        for rule in chain.rules {
            guard case .jump(let target)? = rule.verdict, let endpoint = endpointOfChain[ChainKey(table: table, chain: target)] else {
                otherRules.append(rule)
                continue
            }
            if rule.matches.contains(where: { if case .recent = $0 { return true } else { return false } }) {
                affinity[endpoint, default: []].append(RuleKey(rule, family: family))
                continue
            }
            var probability: Probability?
            var rest = rule
            rest.matches.removeAll { match in
                if case .statistic(let value) = match {
                    probability = value
                    return true
                }
                return false
            }
            steps.append(Step(endpoint: endpoint, probability: probability, rest: RuleKey(rest, family: family)))
        }
    }

    var endpoints: Set<String> { Set(steps.map(\.endpoint)) }

    /// Each endpoint's exact share of the connections entering the chain's dispatch.
    func shares() -> [String: Probability] {
        var remaining = Probability.one
        var result: [String: Probability] = [:]
        for step in steps {
            let probability = step.probability ?? .one
            let share = remaining.multiplied(by: probability)
            result[step.endpoint] = (result[step.endpoint] ?? .zero).adding(share)
            remaining = remaining.multiplied(by: probability.complement)
        }
        return result
    }

    /// Shares computed from what the kernel stores (31-bit probabilities), for comparing.
    func storedShares() -> [String: Double] {
        var remaining = 1.0
        var result: [String: Double] = [:]
        for step in steps {
            let probability = step.probability.map { Double(StatisticProbability.kernelValue($0)) / 2_147_483_648.0 } ?? 1
            result[step.endpoint, default: 0] += remaining * probability
            remaining *= 1 - probability
        }
        return result
    }

    func ruleProbability(of endpoint: String) -> Probability?? {
        guard let step = steps.first(where: { $0.endpoint == endpoint }) else { return nil }
        return .some(step.probability)
    }
}

extension Probability {
    /// `0.33333333349 (1/3)`: the kernel's spelling and the exact fraction.
    var ruleText: String {
        String(decoding: StatisticProbability.liveText(self), as: UTF8.self) + " (\(self))"
    }
}
