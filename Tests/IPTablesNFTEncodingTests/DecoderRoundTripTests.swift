import IPTablesNFTEncoding
import IPTablesText
import NetfilterNetlink
import NetworkAddresses
import TestSupport
import RuleModel
import Testing

/// encode → decode without a kernel: rules written in the order iptables-save prints them come
/// back unchanged; other spellings come back in the form the kernel keeps.
struct DecoderRoundTripTests {
    static func roundTrip(_ rule: Rule, _ family: IPFamily) throws -> Rule {
        var encoder = IPTablesNFTEncoder(family: family)
        var expressions: [Expression] = []
        _ = try encoder.encode(rule, into: &expressions)
        return try IPTablesNFTDecoder(family: family).decode(expressions)
    }

    /// One rule of every shape the encoder writes, in iptables-save's order.
    static func canonicalRules(_ family: IPFamily) -> [Rule] {
        let v4 = family == .ipv4
        let host = IPAddress(v4 ? "172.30.0.41" : "fd00:30::41")!
        let other = IPAddress(v4 ? "10.180.0.3" : "fd00:10::5")!
        let wide = IPPrefix(v4 ? "10.0.0.0/8" : "fd00:10::/64")!
        let odd = IPPrefix(v4 ? "203.0.113.0/25" : "fd00:10::/65")!
        let short = IPPrefix(v4 ? "10.96.0.0/12" : "fc00::/7")!
        let mark = MarkValue(0x4000)
        return [
            // Addresses: hosts, whole-byte and odd prefixes, negated.
            Rule([.destination(.host(host)), .comment(Comment("ns1/svc1:p80", " cluster IP")), .l4Protocol(.tcp),
                  .destinationPort(PortRange(80))], .jump("KUBE-SVC-XPGD46QRK7WJZT7O")),
            Rule([.source(.prefix(wide), negated: true), .destination(.host(host)), .comment("c"), .l4Protocol(.tcp),
                  .destinationPort(PortRange(80))], .jump("KUBE-MARK-MASQ")),
            Rule([.source(.prefix(odd)), .destination(.prefix(short), negated: true)], .accept),
            Rule([.source(.prefix(odd), negated: true), .destination(.prefix(wide))], .drop),
            Rule([.source(.host(other)), .comment("ns1/svc1:p80")], .jump("KUBE-MARK-MASQ")),
            // Protocols and ports: native tcp/udp, combined pairs, ranges, negations, xt sctp, bare modules.
            Rule([.l4Protocol(.udp), .destinationPort(PortRange(53), negated: true)], .accept),
            Rule([.l4Protocol(.tcp), .sourcePort(PortRange(first: 1024, last: 2048)!)], .accept),
            Rule([.l4Protocol(.tcp), .sourcePort(PortRange(80)), .destinationPort(PortRange(90))], .accept),
            Rule([.l4Protocol(.tcp), .sourcePort(PortRange(80), negated: true), .destinationPort(PortRange(90), negated: true)], .accept),
            Rule([.l4Protocol(.udp), .sourcePort(PortRange(5)), .destinationPort(PortRange(first: 6, last: 9)!, negated: true)], .accept),
            Rule([.l4Protocol(.tcp), .destinationPort(PortRange(first: 30000, last: 32767)!)], .return),
            Rule([.l4Protocol(.tcp), .destinationPort(PortRange(first: 0, last: 1023)!)], .return),
            Rule([.l4Protocol(.udp), .sourcePort(PortRange(0)), .destinationPort(PortRange(5))], .accept),
            Rule([.l4Protocol(.sctp), .destinationPort(PortRange(3868))], .accept),
            Rule([.l4Protocol(.sctp), .sourcePort(PortRange(first: 1, last: 9)!, negated: true),
                  .destinationPort(PortRange(3868))], .accept),
            Rule([.comment("ns1/svc1:p80"), .recent(name: "KUBE-SEP-SXIVWICOYRO3J4NJ", .set), .l4Protocol(.tcp)],
                 .dnat(other, port: 80)),
            Rule([.l4Protocol(.udp)], .accept),
            Rule([.l4Protocol(.sctp)], .dnat(other, port: 3868)),
            // Other matches.
            Rule([.destination(.prefix(wide)), .comment("block incoming localnet connections"),
                  .conntrackState([.related, .established, .dnat], negated: true)], .drop),
            Rule([.conntrackState([.invalid, .new, .related, .established, .untracked, .snat, .dnat])], .accept),
            Rule([.conntrackState([.new]), .comment("kubernetes service portals")], .jump("KUBE-SERVICES")),
            Rule([.comment("kubernetes forwarding rules"), .mark(mark, mask: mark)], .accept),
            Rule([.mark(MarkValue(0x10), mask: MarkValue(.max), negated: true)], .return),
            Rule([.mark(MarkValue(0), mask: MarkValue(0x10000))], .return),
            Rule([.comment(Comment("ns2/svc2:p80", " has no local endpoints")), .addressType(.destination, .local),
                  .l4Protocol(.tcp), .destinationPort(PortRange(30001))], .drop),
            Rule([.addressType(.source, .local, negated: true)], .goto("KUBE-SERVICES")),
            Rule([.addressType(.source, .local), .addressType(.destination, .local, negated: true)], .accept),
            Rule([.comment(Comment("ns5/svc5:p80", " -> ", "10.180.0.3:80")),
                  .recent(name: "KUBE-SEP-SXIVWICOYRO3J4NJ", .check(seconds: 10800, reap: true))],
                 .jump("KUBE-SEP-SXIVWICOYRO3J4NJ")),
            Rule([.recent(name: "KUBE-SEP-X", .check(seconds: 60, reap: false))], .jump("KUBE-SEP-X")),
            Rule([.statistic(.oneIn(3))], .jump("KUBE-SEP-A")),
            Rule([.statistic(.oneIn(2))], .jump("KUBE-SEP-B")),
            Rule([.statistic(.oneIn(1001))], .jump("KUBE-SEP-C")),
            Rule([.comment("say \"hi\" \\ there")], nil),
            Rule([], nil),
            // Verdicts.
            Rule([], .accept), Rule([], .drop), Rule([], .return),
            Rule([], .jump("KUBE-POSTROUTING")), Rule([], .goto("PP-ALLOW")),
            Rule([], .reject(.portUnreachable)), Rule([.l4Protocol(.tcp)], .reject(.tcpReset)), Rule([], .reject(.adminProhibited)),
            Rule([], .dnat(other, port: nil)),
            Rule([], .dnat(IPAddress(v4 ? "10.0.0.0" : "2001:db8::")!, port: 8080)),
            Rule([.comment("kubernetes service traffic requiring SNAT")], .masquerade(randomFully: false)),
            Rule([], .masquerade(randomFully: true)),
            Rule([], .setMark(.set(mark, mask: mark))),
            Rule([], .setMark(.set(MarkValue(0), mask: MarkValue(0x10000)))),
        ]
    }

    @Test(arguments: IPFamily.allCases)
    func rulesInSaveOrderComeBackUnchanged(family: IPFamily) throws {
        for rule in Self.canonicalRules(family) {
            #expect(try Self.roundTrip(rule, family) == rule, "\(rule)")
        }
    }

    /// The decoder's form is what the iptables-save parser makes of the live dump of the same
    /// rule (printed by IPTablesSaveWriter, the model of iptables-save the kernel tests check).
    @Test(arguments: IPFamily.allCases)
    func decodedRulesEqualTheParsedLiveSpelling(family: IPFamily) throws {
        let probabilities = Self.probabilities.map { Rule([.statistic($0)], .jump("KUBE-SEP-A")) }
        let written = (Self.respelled(family) + Self.dropped(family)).map(\.written)
        for rule in Self.canonicalRules(family) + written + probabilities {
            let text = "*filter\n:X - [0:0]\n-A X " + (try IPTablesSaveWriter.ruleText(rule, family: family)) + "\nCOMMIT\n"
            let parsed = SavedRules.hostsForFullLengthPrefixes(
                [try IPTablesSaveParser(family: family).parseOne(text)])[0].tables[0].chains[0].rules[0]
            #expect(try Self.roundTrip(rule, family) == parsed, "\(text)")
        }
    }

    static let probabilities = [Probability(3, 10), Probability(1, 7), Probability(123_456_789, 1_000_000_000),
                                Probability(1, 3_000_000), Probability(0, 1), Probability(1, 1)]

    /// The kernel keeps a 31-bit fraction; what comes back is stored identically.
    @Test func probabilitiesKeepTheirStoredValue() throws {
        for probability in Self.probabilities {
            let rule = try Self.roundTrip(Rule([.statistic(probability)], nil), .ipv4)
            guard case .statistic(let decoded)? = rule.matches.first else {
                Issue.record("no statistic match in \(rule)")
                continue
            }
            #expect(StatisticProbability.kernelValue(decoded) == StatisticProbability.kernelValue(probability), "\(probability) → \(decoded)")
        }
    }

    /// Spellings the kernel does not keep, and the form they come back in.
    static func respelled(_ family: IPFamily) -> [(written: Rule, readBack: Rule)] {
        let v4 = family == .ipv4
        let host = IPAddress(v4 ? "172.30.0.41" : "fd00:30::41")!
        let wide = IPPrefix(v4 ? "10.0.0.0/8" : "fd00:10::/64")!
        let mark = MarkValue(0x4000)
        return [
            // kube-proxy's restore order → header options first, protocol at its port match.
            (Rule([.comment("c"), .l4Protocol(.tcp), .destination(.host(host)), .destinationPort(PortRange(80)),
                   .source(.prefix(wide), negated: true)], .jump("KUBE-MARK-MASQ")),
             Rule([.source(.prefix(wide), negated: true), .destination(.host(host)), .comment("c"), .l4Protocol(.tcp),
                   .destinationPort(PortRange(80))], .jump("KUBE-MARK-MASQ"))),
            (Rule([.l4Protocol(.tcp), .destinationPort(PortRange(90)), .sourcePort(PortRange(80))], .accept),
             Rule([.l4Protocol(.tcp), .sourcePort(PortRange(80)), .destinationPort(PortRange(90))], .accept)),
            // ! 0:N is stored as > N, which reads (and iptables-save prints) as N+1:65535.
            (Rule([.l4Protocol(.tcp), .sourcePort(PortRange(first: 0, last: 1023)!, negated: true)], .accept),
             Rule([.l4Protocol(.tcp), .sourcePort(PortRange(first: 1024, last: .max)!)], .accept)),
            // A /32 (/128) is a host; host bits are cleared; /0 is no match at all.
            (Rule([.destination(.prefix(IPPrefix(host: host)))], .accept), Rule([.destination(.host(host))], .accept)),
            (Rule([.source(.prefix(IPPrefix(address: host, length: v4 ? 25 : 65)!))], .accept),
             Rule([.source(.prefix(IPPrefix(address: host, length: v4 ? 25 : 65)!.network))], .accept)),
            // Conntrack states in the kernel's order.
            (Rule([.conntrackState([.established, .related])], .accept), Rule([.conntrackState([.related, .established])], .accept)),
            // --or-mark and --xor-mark are --set-xmark to the kernel; REJECT has a kind.
            (Rule([], .setMark(.or(mark))), Rule([], .setMark(.set(mark, mask: mark)))),
            (Rule([], .setMark(.xor(mark))), Rule([], .setMark(.set(mark, mask: MarkValue(0))))),
            (Rule([], .reject()), Rule([], .reject(.portUnreachable))),
        ]
    }

    /// Matches iptables-nft leaves out because they match everything.
    static func dropped(_ family: IPFamily) -> [(written: Rule, readBack: Rule)] {
        let host = IPAddress(family == .ipv4 ? "172.30.0.41" : "fd00:30::41")!
        return [
            (Rule([.source(.prefix(IPPrefix(address: host, length: 0)!))], .accept), Rule([], .accept)),
            (Rule([.l4Protocol(.udp), .sourcePort(PortRange(first: 0, last: .max)!)], .accept), Rule([.l4Protocol(.udp)], .accept)),
        ]
    }

    @Test(arguments: IPFamily.allCases)
    func otherSpellingsComeBackAsTheKernelKeepsThem(family: IPFamily) throws {
        for (written, readBack) in Self.respelled(family) + Self.dropped(family) {
            #expect(try Self.roundTrip(written, family) == readBack, "\(written)")
        }
    }

    @Test func markValuesComeBackWithTheirNumbers() throws {
        let rule = try Self.roundTrip(Rule([.mark(MarkValue(0x4000, spelling: "0x004000"), mask: MarkValue(0x4000))], .accept), .ipv4)
        guard case .mark(let value, let mask, false) = rule.matches.first else {
            Issue.record("not a mark match: \(rule)")
            return
        }
        #expect(value.value == 0x4000 && mask.value == 0x4000)
    }
}
