/// Products and complements of probabilities, for the chance of reaching the i-th of a chain
/// of statistic rules (`p_i × Π(1 − p_j)`). kube-proxy's 1/n steps telescope, so results stay
/// small exact fractions; a product whose reduced terms no longer fit 64 bits (arbitrary
/// 31-bit kernel fractions, say) is rounded to the nearest fraction with a 2^31 denominator.
extension Probability {
    public static let one = Probability(1, 1)
    public static let zero = Probability(0, 1)

    /// 1 − p.
    public var complement: Probability { Probability(denominator - numerator, denominator) }

    /// p × q, exact when it fits.
    public func multiplied(by other: Probability) -> Probability {
        // Cross-reduce first so that 1/n steps never grow.
        let g1 = Probability.gcd(numerator, other.denominator)
        let g2 = Probability.gcd(other.numerator, denominator)
        let (num, numOverflow) = (numerator / g1).multipliedReportingOverflow(by: other.numerator / g2)
        let (den, denOverflow) = (denominator / g2).multipliedReportingOverflow(by: other.denominator / g1)
        if !numOverflow && !denOverflow { return Probability(num, den) }
        let value = value * other.value
        return Probability.nearestFraction(to: value, tolerance: 0.5 / 2_147_483_648.0) ?? Probability(UInt64((value * 2_147_483_648.0).rounded()), 1 << 31)
    }

    /// p + q for disjoint events (their sum is at most 1), exact when it fits.
    public func adding(_ other: Probability) -> Probability {
        let divisor = Probability.gcd(denominator, other.denominator)
        let (scaleLeft, scaleRight) = (other.denominator / divisor, denominator / divisor)
        let (den, denOverflow) = denominator.multipliedReportingOverflow(by: scaleLeft)
        let (left, leftOverflow) = numerator.multipliedReportingOverflow(by: scaleLeft)
        let (right, rightOverflow) = other.numerator.multipliedReportingOverflow(by: scaleRight)
        let (num, sumOverflow) = left.addingReportingOverflow(right)
        if !(denOverflow || leftOverflow || rightOverflow || sumOverflow) { return Probability(min(num, den), den) }
        let value = min(1, value + other.value)
        return Probability.nearestFraction(to: value, tolerance: 0.5 / 2_147_483_648.0) ?? Probability(UInt64((value * 2_147_483_648.0).rounded()), 1 << 31)
    }

    /// Percentage with two decimals, e.g. `33.33%`.
    public var percentText: String {
        let hundredths = (value * 10_000).rounded()
        let whole = Int(hundredths) / 100
        let fraction = Int(hundredths) % 100
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)%"
    }
}
