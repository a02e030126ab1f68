import Testing
import TestSupport
import RuleModel
@testable import IPTablesText

/// Every reference case, through the parser and back out through both printers.
@Suite struct ParserRoundTripTests {
    @Test func allThirtyCasesArePresent() {
        #expect(SharedCases.names.count == 30)
    }

    @Test(arguments: SharedCases.names)
    func restoreTextRoundTripsByteForByte(caseName: String) throws {
        let text = try SharedCases.text(caseName, "kube-proxy.iptables-save")
        let ruleset = try IPTablesSaveParser(sourceName: caseName).parseOne(text)
        #expect(try IPTablesTextWriter().text(ruleset) == text)
    }

    /// The restore payload printed in the kernel's spelling is exactly what iptables-save showed
    /// after loading it into a namespace.
    @Test(arguments: SharedCases.names)
    func restoreTextPrintsAsTheLiveDump(caseName: String) throws {
        let restore = try IPTablesSaveParser(sourceName: caseName).parseOne(try SharedCases.text(caseName, "kube-proxy.iptables-save"))
        let live = try SharedCases.text(caseName, "live-iptables-save.txt")
        #expect(try IPTablesSaveWriter().text(restore) == live)
    }

    @Test(arguments: SharedCases.names)
    func liveDumpReparsesToTheSameRulesAndText(caseName: String) throws {
        let live = try SharedCases.text(caseName, "live-iptables-save.txt")
        let parsed = try IPTablesSaveParser(sourceName: caseName).parseOne(live)
        #expect(try IPTablesSaveWriter().text(parsed) == live)
        let restore = try IPTablesSaveParser().parseOne(try SharedCases.text(caseName, "kube-proxy.iptables-save"))
        #expect(parsed.family == restore.family)
        // Same statistic probabilities as exact fractions, whichever spelling they came from.
        #expect(probabilities(parsed) == probabilities(restore))
    }

    private func probabilities(_ ruleset: Ruleset) -> [String: [Probability]] {
        var result: [String: [Probability]] = [:]
        for table in ruleset.tables {
            for chain in table.chains {
                for rule in chain.rules {
                    for case .statistic(let probability) in rule.matches {
                        result[chain.name.description, default: []].append(probability)
                    }
                }
            }
        }
        return result
    }
}
