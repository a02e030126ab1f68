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
    private static func largeRuleset() -> Ruleset {
        var chains: [Chain] = []
        for service in 0..<3_000 {
            let name = ChainName("KUBE-SEP-\(String(service, radix: 36, uppercase: true))")
            let rules = (0..<10).map { index in
                Rule([.comment(Comment("ns-\(service)/svc-\(index)")),
                      .source(.host(IPAddress("10.\(service / 250).\(service % 250).\(index)")!)),
                      .l4Protocol(.tcp)],
                     index % 2 == 0 ? .jump("KUBE-MARK-MASQ") : .dnat(IPAddress("10.9.\(service % 250).\(index)")!, port: 8080))
            }
            chains.append(Chain(name, rules: rules))
        }
        return Ruleset(family: .ipv4, tables: [Table("nat", chains: chains), Table("filter", chains: [Chain("KUBE-FORWARD")])])
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
