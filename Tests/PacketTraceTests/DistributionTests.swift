import Testing
import TestSupport
import PacketPath
import PacketTrace
import RuleModel

/// The part of the lab acceptance that needs no lab: the expected split and the test statistic.
@Suite struct DistributionTests {
    @Test func expectedSplitOfAThreeEndpointService() throws {
        let side = try SideLoader(liveReader: nil).load(.paths([SharedCases.path("session-affinity-clientip", "input.yaml")]))
        let expected = try Review.expectedDistribution(try #require(side.cluster?.state), service: "prod/sticky")
        #expect(expected.map(\.probability) == [Probability(1, 3), Probability(1, 3), Probability(1, 3)])
        #expect(expected.count == 3)
    }

    @Test func chiSquareAgainstKnownValues() {
        let expected: [(key: String, probability: Probability)] = [("a", Probability(1, 3)), ("b", Probability(1, 3)), ("c", Probability(1, 3))]
        let even = ChiSquareTest(observed: ["a": 1000, "b": 1000, "c": 1000], expected: expected)
        #expect(even.statistic == 0 && even.degreesOfFreedom == 2 && even.pValue == 1)
        // (1050-1000)²/1000 + (950-1000)²/1000 = 5; P(χ²₂ ≥ 5) = e^{-2.5}.
        let skewed = ChiSquareTest(observed: ["a": 1050, "b": 950, "c": 1000], expected: expected)
        #expect(abs(skewed.statistic - 5) < 1e-12)
        #expect(abs(skewed.pValue - 0.0820849986) < 1e-9)
        #expect(skewed.accepts(significance: 0.01))
        let broken = ChiSquareTest(observed: ["a": 1500, "b": 750, "c": 750], expected: expected)
        #expect(!broken.accepts(significance: 0.01))
        // Upper-tail critical values: χ²₁ = 3.841 and χ²₅ = 11.070 at 5%, χ²₂ = 9.210 at 1%.
        #expect(abs(ChiSquareTest.pValue(statistic: 3.841459, degreesOfFreedom: 1) - 0.05) < 1e-6)
        #expect(abs(ChiSquareTest.pValue(statistic: 11.070498, degreesOfFreedom: 5) - 0.05) < 1e-6)
        #expect(abs(ChiSquareTest.pValue(statistic: 9.210340, degreesOfFreedom: 2) - 0.01) < 1e-6)
        #expect(ChiSquareTest(observed: ["a": 10, "z": 1], expected: [("a", .one)]).pValue == 0)
    }
}
