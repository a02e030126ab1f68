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

/// A ruleset large enough to print in two parts, each over several megabyte chunks.
@Suite struct ChunkedWriterTests {
    private static func chains(_ count: Int, rulesEach: Int = 10) -> [Chain] {
        var chains: [Chain] = []
        for service in 0..<count {
            let name = ChainName("KUBE-SEP-\(String(service, radix: 36, uppercase: true))")
            let rules = (0..<rulesEach).map { index in
                Rule([.comment(Comment("ns-\(service)/svc-\(index)")),
                      .source(.host(IPAddress("10.\(service / 250).\(service % 250).\(index)")!)),
                      .l4Protocol(.tcp)],
                     index % 2 == 0 ? .jump("KUBE-MARK-MASQ") : .dnat(IPAddress("10.9.\(service % 250).\(index)")!, port: 8080))
            }
            chains.append(Chain(name, rules: rules))
        }
        return chains
    }

    private static func largeRuleset() -> Ruleset {
        Ruleset(family: .ipv4, tables: [Table("nat", chains: chains(3_000)), Table("filter", chains: [Chain("KUBE-FORWARD")])])
    }

    /// Where the split falls: inside a table, at a table boundary, around empty tables, with
    /// base chains (never printed) on either side.
    @Test(arguments: [
        [0, 3_000], [3_000, 0], [1_500, 1_500], [2_999, 1], [1, 2_999], [0, 2_000, 0, 2_000, 0], [4_000, 4_000, 3],
    ])
    func splitsAnywherePrintTheSameText(tableSizes: [Int]) throws {
        let base = Chain("PREROUTING", rules: [Rule([], .jump("KUBE-SERVICES"))], attachment: BaseChainAttachment(hook: .prerouting, priority: -100))
        let tables = tableSizes.enumerated().map { index, size in
            Table("t\(index)", chains: [base] + Self.chains(size, rulesEach: 8 + index) + [base])
        }
        let ruleset = Ruleset(family: .ipv4, tables: tables)
        let split = PrintSplit.parts(of: ruleset)
        #expect(split.count == 2)
        let two = try IPTablesTextWriter(threads: 2).printed(ruleset)
        let one = try IPTablesTextWriter(threads: 1).printed(ruleset)
        #expect(one.chunks.count > 1)
        #expect(two.string == one.string)
        #expect(one.string.components(separatedBy: "COMMIT\n").count == tableSizes.count + 1)
    }

    @Test func twoThreadsPrintWhatOneThreadAndLineByLinePrint() throws {
        let ruleset = Self.largeRuleset()
        let printed = try IPTablesTextWriter(threads: 2).printed(ruleset)
        #expect(printed.chunks.count > 2)
        let single = try IPTablesTextWriter(threads: 1).bytes(ruleset)
        #expect(printed.bytes == single)

        var reference = ""
        for table in ruleset.tables {
            reference += "*\(table.name)\n"
            for chain in table.chains { reference += ":\(chain.name) - [0:0]\n" }
            for chain in table.chains {
                for rule in chain.rules {
                    reference += try IPTablesTextWriter.line(rule, chain: chain.name, table: table.name, family: .ipv4) + "\n"
                }
            }
            reference += "COMMIT\n"
        }
        #expect(printed.string == reference)
    }

    @Test func noLineIsSplitAcrossChunks() throws {
        let printed = try IPTablesTextWriter(threads: 2).printed(Self.largeRuleset())
        for chunk in printed.chunks where chunk.count > 0 {
            chunk.withUnsafeBytes { bytes in #expect(bytes.last == UInt8(ascii: "\n")) }
        }
    }
}
