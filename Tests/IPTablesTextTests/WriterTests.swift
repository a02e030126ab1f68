import Testing
import NetworkAddresses
import RuleModel
@testable import IPTablesText

@Suite struct WriterTests {
    @Test func probabilityTextMatchesKubeProxy() {
        let expected = [2: "0.5000000000", 3: "0.3333333333", 4: "0.2500000000", 5: "0.2000000000",
                        6: "0.1666666667", 7: "0.1428571429", 1000: "0.0010000000", 1001: "0.0009990010"]
        for (k, text) in expected {
            #expect(String(decoding: ProbabilityText.fixed10(Probability.oneIn(k).value), as: UTF8.self) == text)
        }
    }
}
