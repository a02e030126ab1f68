/// Pearson's chi-square goodness-of-fit test, used to check that kube-proxy's statistic
/// rules spread new connections as their probabilities say.
///
/// Significance level α = 0.001: a correct rule set fails the check once in a thousand runs,
/// while a real bias (say one endpoint at 40 % instead of 33.3 % over 3,000 connections,
/// χ² ≈ 60) fails it every time.
public enum ChiSquare {
    public static let significance = 0.001

    /// Upper critical values of χ² at α = 0.001 for 1...10 degrees of freedom (standard
    /// tables, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4). 3 endpoints → df 2 → 13.816.
    public static let criticalValues: [Int: Double] = [
        1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515,
        6: 22.458, 7: 24.322, 8: 26.124, 9: 27.877, 10: 29.588,
    ]

    /// Σ (observed − expected)² / expected.
    public static func statistic(observed: [Int], expected: [Double]) -> Double {
        precondition(observed.count == expected.count)
        return zip(observed, expected).reduce(0) { sum, pair in
            let difference = Double(pair.0) - pair.1
            return sum + difference * difference / pair.1
        }
    }

    public struct Result: Sendable, CustomStringConvertible {
        public var statistic: Double
        public var degreesOfFreedom: Int
        public var criticalValue: Double
        public var fits: Bool { statistic < criticalValue }

        public var description: String {
            "χ² = \(Self.rounded(statistic)) with df \(degreesOfFreedom) (critical value \(criticalValue) at α = \(ChiSquare.significance))"
        }

        private static func rounded(_ value: Double) -> String {
            guard value.isFinite else { return "\(value)" }
            let thousandths = Int((value * 1000).rounded())
            let fraction = String(thousandths % 1000)
            return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }
    }

    /// Tests observed counts against the given probabilities (which sum to 1). Outside the
    /// table (more than 11 categories) the critical value is 0, so the test never passes.
    public static func test(observed: [Int], probabilities: [Double]) -> Result {
        let total = Double(observed.reduce(0, +))
        // No observations at all fit nothing.
        let statistic = total == 0 ? .infinity : statistic(observed: observed, expected: probabilities.map { $0 * total })
        let degrees = observed.count - 1
        return Result(statistic: statistic, degreesOfFreedom: degrees, criticalValue: criticalValues[degrees] ?? 0)
    }
}
