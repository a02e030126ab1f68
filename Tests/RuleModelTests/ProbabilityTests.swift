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

@Suite struct ProbabilityArithmeticTests {
    @Test func kubeProxyStepsTelescopeToEqualShares() {
        // Reaching rule i of n passes i earlier misses: (1/(n-i)) × Π (1 − 1/(n-j)) = 1/n.
        for n in [2, 3, 5, 1001] {
            var remaining = Probability.one
            for i in 0..<n {
                let step = i == n - 1 ? Probability.one : Probability.oneIn(n - i)
                #expect(remaining.multiplied(by: step) == Probability.oneIn(n))
                remaining = remaining.multiplied(by: step.complement)
            }
            #expect(remaining == Probability.zero)
        }
    }

    @Test func percentages() {
        #expect(Probability(1, 3).percentText == "33.33%")
        #expect(Probability(2, 3).percentText == "66.67%")
        #expect(Probability.one.percentText == "100.00%")
        #expect(Probability(1, 1001).percentText == "0.10%")
    }

    @Test func overflowingProductsStayClose() {
        let odd = Probability(715_827_883, 2_147_483_648)
        var product = Probability.one
        for _ in 0..<4 { product = product.multiplied(by: odd) }
        #expect(abs(product.value - odd.value * odd.value * odd.value * odd.value) < 1e-9)
    }
}

@Suite struct ProbabilitySumTests {
    @Test func sumsOfShares() {
        #expect(Probability(1, 3).adding(Probability(1, 6)) == Probability(1, 2))
        #expect(Probability(2, 5).adding(Probability(3, 5)) == Probability.one)
        #expect(Probability.zero.adding(Probability(1, 1001)) == Probability(1, 1001))
    }
}
