import Foundation
import IPTablesText
import Testing
import TestSupport

/// Every input scripts/fuzz-smoke ever failed on (`Tests/Fuzz/regressions/fuzz-iptables-save/`),
/// held to the fuzz target's rule: what parses prints, and the printed text parses back to
/// rules that print the same.
@Suite struct FuzzRegressionTests {
    static let directory = ProjectPaths.root + "/Tests/Fuzz/regressions/fuzz-iptables-save"
    static let inputs = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()

    @Test func regressionsArePresent() {
        #expect(Self.inputs.count >= 2)
    }

    @Test(arguments: inputs)
    func printAndReparseAreStable(input: String) throws {
        let data = try #require(FileManager.default.contents(atPath: Self.directory + "/" + input))
        let text = String(decoding: data, as: UTF8.self)
        guard let rulesets = try? IPTablesSaveParser(sourceName: input).parse(text) else { return }
        for ruleset in rulesets {
            guard let saved = try? IPTablesSaveWriter().text(ruleset) else { continue }
            let reparsed = try IPTablesSaveParser(sourceName: "saved", family: ruleset.family).parseOne(saved)
            let again = try IPTablesSaveWriter().text(reparsed)
            let firstDifference = zip(saved.split(separator: "\n"), again.split(separator: "\n")).first { $0 != $1 }
            // Compared as a Bool: the texts may hold NUL bytes, which would cut a printed value short.
            let stable = again == saved
            #expect(stable, "\(firstDifference.map { "\(String($0.0).debugDescription)\n  became\n\(String($0.1).debugDescription)" } ?? "line count")")
        }
    }
}
