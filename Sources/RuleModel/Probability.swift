/// An exact probability, numerator / denominator, in lowest terms. Statistic matches carry
/// this rather than a Double so that tools can report kube-proxy's 1/k steps exactly and
/// printers can reproduce iptables' decimal text from it.
public struct Probability: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let numerator: UInt64
    public let denominator: UInt64

    public init(_ numerator: UInt64, _ denominator: UInt64) {
        precondition(denominator > 0 && numerator <= denominator, "probability out of range")
        let divisor = Probability.gcd(numerator, denominator)
        self.numerator = numerator / divisor
        self.denominator = denominator / divisor
    }

    /// 1/k, the step kube-proxy uses for the i-th of k remaining endpoints.
    public static func oneIn(_ k: Int) -> Probability { Probability(1, UInt64(k)) }

    public var value: Double { Double(numerator) / Double(denominator) }

    /// The simplest fraction within `tolerance` of `value` (continued fractions), used when a
    /// probability is read back from decimal text such as `0.3333333333` or `0.33333333349`.
    public static func nearestFraction(to value: Double, tolerance: Double = 5e-10,
                                       maxDenominator: UInt64 = 1 << 31) -> Probability? {
        guard value >= 0, value <= 1, value.isFinite else { return nil }
        var (h0, h1): (UInt64, UInt64) = (0, 1)
        var (k0, k1): (UInt64, UInt64) = (1, 0)
        var x = value
        for _ in 0..<64 {
            let a = UInt64(x.rounded(.down))
            let (h2, k2) = (a &* h1 &+ h0, a &* k1 &+ k0)
            if k2 > maxDenominator { break }
            (h0, h1, k0, k1) = (h1, h2, k1, k2)
            if abs(Double(h1) / Double(k1) - value) <= tolerance { return Probability(h1, k1) }
            let fraction = x - Double(a)
            if fraction < 1e-15 { break }
            x = 1 / fraction
        }
        return k1 == 0 ? nil : Probability(min(h1, k1), k1)
    }

    public var description: String { "\(numerator)/\(denominator)" }

    public static func < (lhs: Probability, rhs: Probability) -> Bool {
        lhs.numerator.multipliedFullWidth(by: rhs.denominator) < rhs.numerator.multipliedFullWidth(by: lhs.denominator)
    }

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x == 0 ? 1 : x
    }
}
