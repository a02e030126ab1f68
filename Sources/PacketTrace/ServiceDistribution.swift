#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RuleModel

/// Where new connections of one traced packet end up, by DNAT endpoint: the distribution a
/// lab run of many real connections must follow.
public enum ServiceDistribution {
    /// Probability per endpoint (`IP:port`); outcomes without DNAT are keyed by their
    /// disposition (`REJECT in filter KUBE-SERVICES rule 1`). Sorted by key.
    public static func expected(_ result: TraceResult) -> [(key: String, probability: Probability)] {
        var shares: [String: Probability] = [:]
        for outcome in result.outcomes {
            let key = outcome.dnatTarget ?? outcome.disposition.text
            shares[key] = (shares[key] ?? .zero).adding(outcome.probability)
        }
        return shares.keys.sorted().map { ($0, shares[$0]!) }
    }
}

/// Pearson's chi-square test of observed counts against expected probabilities.
public struct ChiSquareTest: Sendable, Equatable {
    public let statistic: Double
    public let degreesOfFreedom: Int
    /// P(X ≥ statistic) for X ~ χ²(degreesOfFreedom): small means the counts do not follow
    /// the expected distribution.
    public let pValue: Double

    /// `observed` counts per key; keys missing from `observed` count 0, observed keys with no
    /// expected probability make the test fail outright (p = 0).
    public init(observed: [String: Int], expected: [(key: String, probability: Probability)]) {
        let total = Double(observed.values.reduce(0, +))
        var statistic = 0.0
        var categories = 0
        for (key, probability) in expected where probability.value > 0 {
            let expectedCount = total * probability.value
            let difference = Double(observed[key] ?? 0) - expectedCount
            statistic += difference * difference / expectedCount
            categories += 1
        }
        let unexpected = observed.filter { key, count in count > 0 && !expected.contains { $0.key == key && $0.probability.value > 0 } }
        self.degreesOfFreedom = max(categories - 1, 0)
        if !unexpected.isEmpty {
            self.statistic = .infinity
            self.pValue = 0
        } else {
            self.statistic = statistic
            self.pValue = ChiSquareTest.pValue(statistic: statistic, degreesOfFreedom: degreesOfFreedom)
        }
    }

    /// P(X ≥ statistic) for X ~ χ²(degreesOfFreedom).
    public static func pValue(statistic: Double, degreesOfFreedom: Int) -> Double {
        degreesOfFreedom == 0 ? 1 : Gamma.upperRegularized(Double(degreesOfFreedom) / 2, statistic / 2)
    }

    /// Whether the counts are consistent with the distribution at significance level `alpha`.
    public func accepts(significance alpha: Double = 0.01) -> Bool { pValue >= alpha }
}

/// The regularized upper incomplete gamma function Q(a, x), by its power series for
/// x < a + 1 and its continued fraction (modified Lentz) otherwise.
enum Gamma {
    static func upperRegularized(_ a: Double, _ x: Double) -> Double {
        if x <= 0 { return 1 }
        if x.isInfinite { return 0 }
        let logPrefix = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var n = a
            for _ in 0..<500 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-15 { break }
            }
            return max(0, 1 - sum * exp(logPrefix))
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...500 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return min(1, exp(logPrefix) * h)
    }
}
