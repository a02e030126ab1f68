import IPTablesNFTEncoding
import IPTablesText
import NetfilterNetlink
import NetworkAddresses
import NetworkNamespaces
import TestSupport
import RuleModel
import Testing

/// The decoder against the real tools: rules loaded by `iptables-restore` 1.8.9 into a private
/// namespace, read back over netlink, equal what the iptables-save parser makes of
/// `iptables-save`'s dump of the same namespace; rules the model cannot hold are errors.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct ReadBackTests {
    /// Reads the namespace of the calling thread both ways.
    static func readBothWays() throws -> (readBack: [Ruleset], saved: [Ruleset]) {
        let readBack = try IPTablesNFTReader.rulesets(from: NetfilterSocket())
        let saved = try SavedRules.rulesets(ipv4: try HostCommand.check(["iptables-save"]),
                                            ipv6: try HostCommand.check(["ip6tables-save"]))
        return (readBack, saved)
    }

    @Test(arguments: IPFamily.allCases)
    func restoredRulesReadBackAsTheirSaveDumpParses(family: IPFamily) throws {
        let ruleset = MatchesIPTablesRestoreTests.ruleset(family)
        let text = try IPTablesTextWriter().bytes(ruleset)
        let tool = family == .ipv4 ? "iptables" : "ip6tables"
        let (readBack, saved) = try NamespaceThread.runInNewNamespace {
            try HostCommand.check([tool + "-restore"], input: text)
            // A built-in chain with policy DROP, one iptables-restore did not create before.
            try HostCommand.check([tool, "-P", "FORWARD", "DROP"])
            return try Self.readBothWays()
        }
        #expect(readBack == saved, "\(SavedRules.firstDifference(readBack, saved))")
        #expect(readBack.map(\.family) == [family])
        let filter = try #require(readBack.first?[table: "filter"])
        #expect(filter.chains.map(\.name.description) == ["INPUT", "FORWARD", "OUTPUT", "KUBE-SERVICES", "X"])
        #expect(filter.chain(named: "FORWARD")?.attachment == BaseChainAttachment(hook: .forward, priority: 0, policyAccepts: false))
        let nat = try #require(readBack.first?[table: "nat"])
        #expect(nat.chains.prefix(4).map(\.attachment?.hook) == [.prerouting, .input, .output, .postrouting])
        #expect(nat.chains.prefix(4).map(\.attachment?.priority) == [-100, 100, -100, 100])

        // Each rule is what the decoder makes of the encoder's expressions for it.
        var encoder = IPTablesNFTEncoder(family: family)
        let decoder = IPTablesNFTDecoder(family: family)
        var expressions: [Expression] = []
        for (table, chain, rules) in [("filter", "X", MatchesIPTablesRestoreTests.filterRules(family)),
                                      ("nat", "Z", MatchesIPTablesRestoreTests.natRules(family))] {
            let expected = try rules.map { rule -> Rule in
                _ = try encoder.encode(rule, into: &expressions)
                return try decoder.decode(expressions)
            }
            #expect(readBack.first?[table: table]?.chain(named: ChainName(chain))?.rules == expected)
        }
    }

    /// Forms other iptables builds write as xt matches (ports, marks) read back like the
    /// native ones, and as iptables-save prints them.
    @Test func xtPortAndMarkMatchesReadBackToo() throws {
        let rules: [([Expression], UInt32, Rule)] = [
            ([.meta(Meta(key: .l4proto)), .cmp(Cmp(.eq, .byte(6))),
              .match(.tcp(XTTCP(XTPortMatch(destinationPorts: 80...90, invertDestination: true)))),
              .counter(Counter()), .immediate(Immediate(verdict: .accept))], 6,
             Rule([.l4Protocol(.tcp), .destinationPort(PortRange(first: 80, last: 90)!, negated: true)], .accept)),
            ([.meta(Meta(key: .l4proto)), .cmp(Cmp(.eq, .byte(17))),
              .match(.udp(XTUDP(XTPortMatch(sourcePorts: 53...53)))), .counter(Counter()), .immediate(Immediate(verdict: .drop))], 17,
             Rule([.l4Protocol(.udp), .sourcePort(PortRange(53))], .drop)),
            ([.match(.mark(XTMarkMatch(value: 0x4000, mask: 0x4000, inverted: true))), .counter(Counter()),
              .immediate(Immediate(verdict: .return))], 0,
             Rule([.mark(MarkValue(0x4000), mask: MarkValue(0x4000), negated: true)], .return)),
        ]
        let (readBack, saved) = try NamespaceThread.runInNewNamespace {
            let socket = try NetfilterSocket()
            let batch = socket.makeBatch(generation: try socket.generation())
            batch.addTable(family: .ipv4, name: "filter", tag: 0)
            batch.addChain(family: .ipv4, table: "filter", name: "X", tag: 1)
            for (index, (expressions, proto, _)) in rules.enumerated() {
                try batch.addRule(family: .ipv4, table: "filter", chain: "X", expressions: expressions,
                                  compat: NetfilterBatch.Compat(protocolNumber: proto), tag: 2 + index)
            }
            try socket.commit(batch)
            return try Self.readBothWays()
        }
        #expect(readBack == saved, "\(SavedRules.firstDifference(readBack, saved))")
        #expect(readBack.first?[table: "filter"]?.chain(named: "X")?.rules == rules.map(\.2))
    }

    @Test func anEmptyNamespaceHasNoRulesetsAndAnEmptyTableItsBuiltinChains() throws {
        let (empty, withTable) = try NamespaceThread.runInNewNamespace {
            let empty = try Self.readBothWays()
            try HostCommand.check(["nft", "add table ip6 filter"])
            try HostCommand.check(["nft", "add table inet elsewhere"])
            return (empty, try Self.readBothWays())
        }
        #expect(empty.readBack.isEmpty && empty.saved.isEmpty)
        #expect(withTable.readBack == withTable.saved)
        #expect(withTable.readBack == [Ruleset(family: .ipv6, tables: [Table("filter", chains: [
            Chain("INPUT", attachment: BaseChainAttachment(hook: .input, priority: 0)),
            Chain("FORWARD", attachment: BaseChainAttachment(hook: .forward, priority: 0)),
            Chain("OUTPUT", attachment: BaseChainAttachment(hook: .output, priority: 0)),
        ])])])
    }

    @Test func rulesTheModelCannotHoldAreAllReportedWithTheirPlace() throws {
        let restore = """
            *filter
            :X - [0:0]
            -A INPUT -i lo -m limit --limit 1/sec -j ACCEPT
            -A X -p tcp -m tcp --dport 80 -j ACCEPT
            -A X -p tcp -m multiport --dports 1,2 -j ACCEPT
            COMMIT

            """
        let outcome = try NamespaceThread.runInNewNamespace { () -> Result<[Ruleset], Error> in
            try HostCommand.check(["iptables-restore"], input: Array(restore.utf8))
            try HostCommand.check(["nft", "add chain ip filter weird { type filter hook input priority 5; }"])
            try HostCommand.check(["nft", "add table ip nat"])
            try HostCommand.check(["nft", "add chain ip nat KUBE-SERVICES"])
            try HostCommand.check(["nft", "add rule ip nat KUBE-SERVICES ct state established accept"])
            // Tables PacketPath does not read may hold anything.
            try HostCommand.check(["nft", "add table inet other"])
            try HostCommand.check(["nft", "add chain inet other c { type filter hook input priority 0; }"])
            try HostCommand.check(["nft", "add rule inet other c iifname lo ct state established accept"])
            return Result { try IPTablesNFTReader.rulesets(from: NetfilterSocket()) }
        }
        guard case .failure(let error) = outcome, case ReadBackError.undecodable(let problems)? = error as? ReadBackError else {
            Issue.record("expected undecodable rules, got \(outcome)")
            return
        }
        let places = problems.map { "\($0.table ?? "") \($0.chain ?? "") \($0.rule.map(String.init) ?? "-")" }
        // In iptables-save's chain order: base chains by hook, then the others by name.
        #expect(places == ["filter INPUT 1", "filter weird -", "filter X 2", "nat KUBE-SERVICES 1"])
        // The interface match decodes; the limit (native in iptables-nft) after it does not.
        #expect(problems[0].expression?.hasPrefix("[ limit") == true, "\(problems[0])")
        #expect(problems[1].message.contains("not one of iptables' built-in chains"), "\(problems[1])")
        #expect(problems[2].expression == "[ match name multiport rev 1 ]", "\(problems[2])")
        #expect(problems[3].expression == "[ ct load state => reg 1 ]", "\(problems[3])")
        #expect(problems.allSatisfy { $0.family == .ipv4 })
        #expect(error.localizedDescription.isEmpty == false)
        #expect("\(error)".contains("ip filter chain X rule 2: xt match multiport (revision 1)"), "\(error)")
    }
}
