import IPTablesNFTEncoding
import IPTablesText
import NetfilterNetlink
import NetworkAddresses
import NetworkNamespaces
import RuleModel
import Testing

/// Differential check against the real tool: every rule shape is printed as restore text,
/// loaded with `iptables-restore`/`ip6tables-restore` (1.8.9, nf_tables) into a private
/// namespace and read back from the kernel; the expressions must equal the encoder's, xt
/// info bytes included.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct MatchesIPTablesRestoreTests {
    static func filterRules(_ family: IPFamily) -> [Rule] {
        let v4 = family == .ipv4
        let host = IPAddress(v4 ? "172.30.0.41" : "fd00:30::41")!
        let wide = IPPrefix(v4 ? "10.0.0.0/8" : "fd00:10::/64")!
        let odd = IPPrefix(v4 ? "203.0.113.0/25" : "fd00:10::/65")!
        let mark = MarkValue(0x4000)
        return [
            Rule([.comment(Comment("ns1/svc1:p80", " has no endpoints")), .l4Protocol(.tcp), .destination(.host(host)),
                  .destinationPort(PortRange(80))], .reject()),
            Rule([.comment("c"), .l4Protocol(.udp), .destination(.host(host)), .destinationPort(PortRange(53))], .drop),
            Rule([.l4Protocol(.sctp), .destinationPort(PortRange(3868))], .accept),
            Rule([.l4Protocol(.tcp), .sourcePort(PortRange(first: 1024, last: 2048)!)], .accept),
            Rule([.l4Protocol(.tcp), .sourcePort(PortRange(80)), .destinationPort(PortRange(90))], .accept),
            Rule([.l4Protocol(.udp), .destinationPort(PortRange(53), negated: true)], .accept),
            Rule([.l4Protocol(.tcp), .destinationPort(PortRange(first: 0, last: 100)!)], .accept),
            Rule([.l4Protocol(.udp), .sourcePort(PortRange(first: 0, last: 1023)!, negated: true)], .accept),
            Rule([.l4Protocol(.tcp), .sourcePort(PortRange(0)), .destinationPort(PortRange(5))], .accept),
            Rule([.l4Protocol(.udp), .sourcePort(PortRange(5)), .destinationPort(PortRange(0))], .accept),
            Rule([.source(.prefix(wide), negated: true), .destination(.prefix(odd))], .accept),
            Rule([.comment("block incoming localnet connections"), .destination(.prefix(wide)),
                  .conntrackState([.related, .established, .dnat], negated: true)], .drop),
            Rule([.conntrackState([.invalid])], .drop),
            Rule([.conntrackState([.new]), .comment("kubernetes service portals")], .jump("KUBE-SERVICES")),
            Rule([.comment("kubernetes forwarding rules"), .mark(mark, mask: mark)], .accept),
            Rule([.mark(MarkValue(0x10), mask: MarkValue(.max), negated: true)], .return),
            Rule([.comment(Comment("ns2/svc2:p80", " has no local endpoints")), .addressType(.destination, .local),
                  .l4Protocol(.tcp), .destinationPort(PortRange(30001))], .drop),
            Rule([.addressType(.source, .local, negated: true)], .goto("KUBE-SERVICES")),
            Rule([.comment("other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL")], nil),
            Rule([], nil),
            Rule([.l4Protocol(.tcp)], .reject(.tcpReset)),
            Rule([], .reject(.adminProhibited)),
            // Interfaces: exact names with their NUL, wildcards as a prefix compare, negations.
            Rule([.destination(.host(host)), .interface(.input, InterfaceName("docker0")!, negated: true),
                  .interface(.output, InterfaceName("docker0")!), .l4Protocol(.tcp), .destinationPort(PortRange(80))], .accept),
            Rule([.interface(.output, InterfaceName("cali+")!), .comment("cali:jdEuaPBe14V2hutn")], .jump("KUBE-SERVICES")),
            Rule([.interface(.input, InterfaceName("eth+")!, negated: true), .source(.prefix(wide))], .accept),
            Rule([.interface(.input, InterfaceName("averylongname15")!)], .drop),
        ]
    }

    static func natRules(_ family: IPFamily) -> [Rule] {
        let v4 = family == .ipv4
        let endpoint = IPAddress(v4 ? "10.180.0.3" : "fd00:10::5")!
        let mark = MarkValue(0x4000)
        return [
            Rule([.comment("ns1/svc1:p80"), .source(.host(endpoint))], .jump("KUBE-MARK-MASQ")),
            Rule([.comment("ns1/svc1:p80"), .recent(name: "KUBE-SEP-SXIVWICOYRO3J4NJ", .set), .l4Protocol(.tcp)],
                 .dnat(endpoint, port: 80)),
            Rule([.l4Protocol(.sctp)], .dnat(endpoint, port: 3868)),
            Rule([], .dnat(endpoint, port: nil)),
            Rule([.comment(Comment("ns5/svc5:p80", " -> ", "10.180.0.3:80")),
                  .recent(name: "KUBE-SEP-SXIVWICOYRO3J4NJ", .check(seconds: 10800, reap: true))],
                 .jump("KUBE-SEP-SXIVWICOYRO3J4NJ")),
            Rule([.statistic(.oneIn(3))], .jump("KUBE-SEP-SXIVWICOYRO3J4NJ")),
            Rule([.statistic(.oneIn(1001))], .jump("KUBE-SEP-SXIVWICOYRO3J4NJ")),
            Rule([.mark(mark, mask: mark, negated: true)], .return),
            Rule([], .setMark(.xor(mark))),
            Rule([], .setMark(.or(mark))),
            Rule([.comment("kubernetes service traffic requiring SNAT")], .masquerade(randomFully: false)),
            Rule([], .masquerade(randomFully: true)),
        ]
    }

    static func ruleset(_ family: IPFamily) -> Ruleset {
        Ruleset(family: family, tables: [
            Table("filter", chains: [Chain("KUBE-SERVICES"), Chain("X", rules: filterRules(family))]),
            Table("nat", chains: [Chain("KUBE-MARK-MASQ"), Chain("KUBE-SEP-SXIVWICOYRO3J4NJ"),
                                  Chain("Z", rules: natRules(family))]),
        ])
    }

    @Test(arguments: IPFamily.allCases)
    func encodingEqualsWhatIPTablesRestoreStores(family: IPFamily) throws {
        let ruleset = Self.ruleset(family)
        let text = try IPTablesTextWriter().bytes(ruleset)
        let netfilterFamily = NetfilterFamily(family)
        let stored = try NamespaceThread.runInNewNamespace { () throws -> [[RuleInfo]] in
            let restore = family == .ipv4 ? "iptables-restore" : "ip6tables-restore"
            try HostCommand.check([restore], input: text)
            let socket = try NetfilterSocket()
            return try [("filter", "X"), ("nat", "Z")].map { table, chain in
                try socket.rules(family: netfilterFamily, table: ObjectName(table), chain: ObjectName(chain))
            }
        }
        var encoder = IPTablesNFTEncoder(family: family)
        var out: [Expression] = []
        for (tableIndex, rules) in [Self.filterRules(family), Self.natRules(family)].enumerated() {
            #expect(stored[tableIndex].count == rules.count)
            for (rule, kernel) in zip(rules, stored[tableIndex]) {
                _ = try encoder.encode(rule, into: &out)
                #expect(out == kernel.expressions, "\(rule)")
            }
        }
    }
}
