import Testing
@testable import RuleModel

@Suite struct ProbabilityTests {
    @Test func reducesAndCompares() {
        #expect(Probability(2, 4) == Probability.oneIn(2))
        #expect(Probability.oneIn(3) < Probability.oneIn(2))
        #expect(Probability(1, 1).value == 1)
    }

    @Test(arguments: [(0.5000000000, 2), (0.3333333333, 3), (0.2000000000, 5), (0.1666666667, 6),
                      (0.0009990010, 1001), (0.33333333349, 3), (0.20000000019, 5), (0.14285714272, 7)])
    func recoversReciprocalsFromDecimalText(value: Double, k: Int) throws {
        let fraction = try #require(Probability.nearestFraction(to: value))
        #expect(fraction == Probability.oneIn(k))
    }
}
