import IPTablesText
import NetworkAddresses
import NetworkNamespaces
import NFTText
import RuleModel
import Testing

/// The printer on shapes the reference cases do not cover, and its ordering rules.
@Suite struct NFTTextWriterTests {
    static func lines(_ table: Table, family: IPFamily = .ipv4) throws -> [String] {
        try NFTTextWriter().text(Ruleset(family: family, tables: [table])).split(separator: "\n").map(String.init)
    }

    @Test func ordersChainsSetsMapsAndElementsByBytesWhateverTheInputOrder() throws {
        let table = Table("t", chains: [Chain("b", rules: [Rule([], .accept)]), Chain("a-long-name-beyond-thirty-two-bytes/x"),
                                        Chain("B")],
                          sets: [NamedSet(name: "s", fields: [.destinationAddress], keyTypes: [.ipv4Address],
                                          elements: [SetElement([.address(IPAddress("10.0.0.10")!)]),
                                                     SetElement([.address(IPAddress("10.0.0.9")!)])])],
                          family: .ip)
        let output = try Self.lines(table)
        #expect(output == [
            "add table ip t",
            "add chain ip t B",
            "add chain ip t a-long-name-beyond-thirty-two-bytes/x",
            "add chain ip t b",
            "add set ip t s { type ipv4_addr ; }",
            "add rule ip t b accept",
            // Byte order, not numeric: "10" < "9".
            "add element ip t s { 10.0.0.10 }",
            "add element ip t s { 10.0.0.9 }",
        ])
    }

    /// iptables' `-i`/`-o` (from a node dump) in nft's spelling: `+` becomes `*`; a rule kept
    /// verbatim from iptables has no nft form and is refused, never dropped.
    @Test func interfacesPrintAsIfnameAndVerbatimRulesAreRefused() throws {
        let rules = [Rule([.interface(.input, InterfaceName("cali+")!), .interface(.output, InterfaceName("eth0")!, negated: true)], .accept)]
        let output = try Self.lines(Table("t", chains: [Chain("c", rules: rules)], family: .ip))
        #expect(output.contains("add rule ip t c iifname \"cali*\" oifname != \"eth0\" accept"))
        let verbatim = Table("t", chains: [Chain("c", rules: [Rule([.unrecognized("-m set --match-set x dst")], .accept)])], family: .ip)
        #expect(throws: (any Error).self) { try Self.lines(verbatim) }
    }

    /// Large tables print on two threads and sort their chains in two halves: the text must be
    /// the one-thread text, and in order.
    @Test func twoThreadsPrintWhatOneThreadPrints() throws {
        var generator = SystemRandomNumberGenerator()
        let chains = (0..<25_000).map { index -> Chain in
            // Shared long prefixes, like endpoint chains, in no particular order.
            let name = "endpoint-" + String(UInt32.random(in: 0...UInt32.max, using: &generator), radix: 36) + "-ns/svc/tcp/p\(index % 7)"
            return Chain(ChainName(name), rules: [Rule([.source(.host(IPAddress.v4(UInt32(index))))], .jump("mark"))])
        }
        let ruleset = Ruleset(family: .ipv4, tables: [Table("t", chains: chains + [Chain("mark")], family: .ip)])
        let one = try NFTTextWriter(threads: 1).text(ruleset)
        let two = try NFTTextWriter(threads: 2).text(ruleset)
        #expect(one == two)
        let declared = one.split(separator: "\n").filter { $0.hasPrefix("add chain ") }.map { Array($0.utf8) }
        #expect(declared.count == 25_001)
        #expect(zip(declared, declared.dropFirst()).allSatisfy { !$1.lexicographicallyPrecedes($0) })
    }

    @Test func spellsStatementsAndVerdictsTheCasesDoNotUse() throws {
        let mark = MarkValue(0x10)
        let rules = [
            Rule([.l4Protocol(.udp), .sourcePort(PortRange(first: 1000, last: 2000)!)], .reject(.portUnreachable)),
            Rule([.destinationPort(PortRange(53), negated: true)], .reject(.tcpReset)),
            Rule([.conntrackState([.established, .related])], .accept),
            Rule([.mark(mark, mask: MarkValue(.max), negated: true)], .setMark(.set(mark, mask: MarkValue(0xff)))),
            Rule([.addressType(.destination, .local, negated: true)], .dnat(IPAddress("10.1.2.3")!, port: nil)),
            Rule([.inSet(fields: [.sourceAddress], set: "s", negated: true)], .masquerade(randomFully: false)),
        ]
        let output = try Self.lines(Table("t", chains: [Chain("c", rules: rules)], family: .ip))
        #expect(Array(output.dropFirst(2)) == [
            "add rule ip t c udp sport 1000-2000 reject with icmp type port-unreachable",
            "add rule ip t c th dport != 53 reject with tcp reset",
            "add rule ip t c ct state established,related accept",
            "add rule ip t c mark != 0x10 mark set mark and 0xffffff00 xor 0x10",
            "add rule ip t c fib daddr type != local dnat to 10.1.2.3",
            "add rule ip t c ip saddr != @s masquerade",
        ])
    }

    @Test func iptablesOnlyMatchesAreRefusedNotDropped() {
        let table = Table("t", chains: [Chain("c", rules: [Rule([.statistic(.oneIn(2))], .accept)])], family: .ip)
        #expect(throws: UnrepresentableInNFT.self) { try NFTTextWriter().text(Ruleset(family: .ipv4, tables: [table])) }
    }

    @Test func nftOnlyMatchesAreRefusedByTheIPTablesWriter() {
        for match in [Match.inAnonymousSet(field: .sourceAddress, elements: [.prefix(IPPrefix("10.0.0.0/8")!)]),
                      .updateSet(fields: [.sourceAddress], set: "s")] {
            let ruleset = Ruleset(family: .ipv4, tables: [Table("nat", chains: [Chain("X", rules: [Rule([match], .accept)])])])
            #expect(throws: UnrepresentableRule.self) { try IPTablesTextWriter().text(ruleset) }
        }
    }

    @Test func namedPrioritiesDeriveTheirNumber() {
        #expect(ChainPriority(.dstnat, offset: -10).value == -110)
        #expect(ChainPriority(.srcnat).value == 100)
        #expect(ChainPriority(.dstnat, offset: 10).description == "dstnat + 10")
        #expect(ChainPriority(.filter) == ChainPriority(absolute: 0))
    }

    /// The shapes above are not only our spelling: nft parses every one of them.
    @Test(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
    func nftAcceptsEveryShape() throws {
        let endpoint = IPAddress("fd00::5")!
        let chains = [
            Chain("base", rules: [Rule([.conntrackState([.new])], .jump("c"))],
                  attachment: BaseChainAttachment(hook: .prerouting, priority: ChainPriority(.dstnat, offset: -10), type: .filter),
                  comment: "a base chain"),
            Chain("nat", rules: [Rule([.l4Protocol(.tcp)], .dnat(endpoint, port: 80))],
                  attachment: BaseChainAttachment(hook: .output, priority: ChainPriority(.dstnat), type: .nat)),
            Chain("c", rules: [
                Rule([.l4Protocol(.udp), .sourcePort(PortRange(first: 1000, last: 2000)!)], .reject(.portUnreachable)),
                Rule([.destinationPort(PortRange(53), negated: true)], .reject(.adminProhibited)),
                Rule([.conntrackState([.established, .related])], .accept),
                Rule([.mark(MarkValue(0x10), mask: MarkValue(.max), negated: true)],
                     .setMark(.set(MarkValue(0x10), mask: MarkValue(0xff)))),
                Rule([.inAnonymousSet(field: .sourceAddress, elements: [.prefix(IPPrefix("fd00::/64")!), .address(endpoint)],
                                      negated: true)], .drop),
                Rule([.inSet(fields: [.sourceAddress], set: "aff"), .comment("known client")], .return),
                Rule([.updateSet(fields: [.sourceAddress], set: "aff")], nil),
                Rule([], .verdictMap(fields: [.destinationAddress, .l4Protocol, .destinationPort], map: "m")),
            ]),
        ]
        let table = Table("t", chains: chains,
                          sets: [NamedSet(name: "aff", fields: [.sourceAddress], keyTypes: [.ipv6Address],
                                          flags: [.dynamic, .timeout], timeoutSeconds: 60, comment: "affinity")],
                          maps: [VerdictMap(name: "m", fields: [.destinationAddress, .l4Protocol, .destinationPort],
                                            keyTypes: [.ipv6Address, .inetProto, .inetService],
                                            entries: [.init(key: [.address(endpoint), .l4Protocol(.tcp), .port(80)], verdict: .goto("c"),
                                                            comment: "an entry")])],
                          family: .ip6, comment: "test table")
        let text = try NFTTextWriter().text(Ruleset(family: .ipv6, tables: [table]))
        let scratch = try ScratchNamespace(tag: "nfts")
        defer { scratch.remove() }
        let result = try scratch.exec(["nft", "-c", "-f", "-"], input: Array(text.utf8))
        #expect(result.status == 0, "nft -c: \(result.stderr)\n\(text)")
    }
}
