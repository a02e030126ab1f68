import IPTablesNFTEncoding
import NetfilterNetlink
import NetworkAddresses
import RuleModel
import Testing

/// Expected expressions are those `nft --debug=netlink` showed after `iptables-restore` 1.8.9
/// loaded the same rule (see the comment above each).
struct EncoderTests {
    func encode(_ rule: Rule, family: IPFamily = .ipv4) throws -> ([String], NetfilterBatch.Compat) {
        var encoder = IPTablesNFTEncoder(family: family)
        var out: [Expression] = []
        let compat = try encoder.encode(rule, into: &out)
        return (out.map(\.description), compat)
    }

    @Test func clusterIPDispatch() throws {
        // -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
        let rule = Rule([.comment(Comment("ns1/svc1:p80", " cluster IP")), .l4Protocol(.tcp),
                         .destination(.host(IPAddress("172.30.0.41")!)), .destinationPort(PortRange(80))],
                        .jump("KUBE-SVC-XPGD46QRK7WJZT7O"))
        let (expressions, compat) = try encode(rule)
        #expect(expressions == [
            "[ meta load l4proto => reg 1 ]",
            "[ cmp eq reg 1 0x00000006 ]",
            "[ payload load 4b @ network header + 16 => reg 1 ]",
            "[ cmp eq reg 1 0x29001eac ]",
            "[ match name comment rev 0 ]",
            "[ payload load 2b @ transport header + 2 => reg 1 ]",
            "[ cmp eq reg 1 0x00005000 ]",
            "[ counter pkts 0 bytes 0 ]",
            "[ immediate reg 0 jump -> KUBE-SVC-XPGD46QRK7WJZT7O ]",
        ])
        #expect(compat == NetfilterBatch.Compat(protocolNumber: 6))
    }

    @Test func masqueradeForOffClusterSources() throws {
        // -A KUBE-SVC-… -m comment --comment "…" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
        let rule = Rule([.comment("c"), .l4Protocol(.tcp), .destination(.host(IPAddress("172.30.0.44")!)),
                         .destinationPort(PortRange(80)), .source(.prefix(IPPrefix("10.0.0.0/8")!), negated: true)],
                        .jump("KUBE-MARK-MASQ"))
        #expect(try encode(rule).0 == [
            "[ meta load l4proto => reg 1 ]",
            "[ cmp eq reg 1 0x00000006 ]",
            "[ payload load 1b @ network header + 12 => reg 1 ]",
            "[ cmp neq reg 1 0x0000000a ]",
            "[ payload load 4b @ network header + 16 => reg 1 ]",
            "[ cmp eq reg 1 0x2c001eac ]",
            "[ match name comment rev 0 ]",
            "[ payload load 2b @ transport header + 2 => reg 1 ]",
            "[ cmp eq reg 1 0x00005000 ]",
            "[ counter pkts 0 bytes 0 ]",
            "[ immediate reg 0 jump -> KUBE-MARK-MASQ ]",
        ])
    }

    @Test func endpointDNATWithAffinity() throws {
        // -A KUBE-SEP-X -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-X --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
        let rule = Rule([.comment("ns5/svc5:p80"), .recent(name: "KUBE-SEP-X", .set), .l4Protocol(.tcp)],
                        .dnat(IPAddress("10.180.0.3")!, port: 80))
        var encoder = IPTablesNFTEncoder(family: .ipv4)
        var out: [Expression] = []
        _ = try encoder.encode(rule, into: &out)
        #expect(out == [
            .meta(Meta(key: .l4proto)), .cmp(Cmp(.eq, .byte(6))),
            .match(.comment(XTComment("ns5/svc5:p80"))),
            .match(.recent(XTRecent(name: "KUBE-SEP-X", operation: .set))),
            .match(.tcp(XTTCP())),
            .counter(Counter()),
            .target(.dnat(XTDNAT(address: .networkOrder(0x0ab4_0003 as UInt32), port: 80))),
        ])
    }

    @Test func prefixesLoadWholeBytesOrMask() throws {
        // -s 10.1.0.0/16: two bytes, no mask; -s 203.0.113.5/25: four bytes, masked, host bits cleared.
        #expect(try encode(Rule([.source(.prefix(IPPrefix("10.1.0.0/16")!))], .accept)).0.prefix(2) == [
            "[ payload load 2b @ network header + 12 => reg 1 ]", "[ cmp eq reg 1 0x0000010a ]",
        ])
        #expect(try encode(Rule([.source(.prefix(IPPrefix("203.0.113.5/25")!))], .accept)).0.prefix(3) == [
            "[ payload load 4b @ network header + 12 => reg 1 ]",
            "[ bitwise reg 1 = ( reg 1 & 0x80ffffff ) ^ 0x00000000 ]",
            "[ cmp eq reg 1 0x007100cb ]",
        ])
        // ip6tables: ! -d ::1/128 loads 16 bytes at offset 24; /65 masks all 16 bytes.
        #expect(try encode(Rule([.destination(.prefix(IPPrefix("::1/128")!), negated: true)], .accept), family: .ipv6).0
            .prefix(2) == [
                "[ payload load 16b @ network header + 24 => reg 1 ]",
                "[ cmp neq reg 1 0x00000000 0x00000000 0x00000000 0x01000000 ]",
            ])
        #expect(try encode(Rule([.source(.prefix(IPPrefix("fd00:10::/65")!))], .accept), family: .ipv6).0[1]
            == "[ bitwise reg 1 = ( reg 1 & 0xffffffff 0xffffffff 0x00000080 0x00000000 ) ^ 0x00000000 0x00000000 0x00000000 0x00000000 ]")
    }

    @Test func portShapes() throws {
        func ports(_ matches: [Match]) throws -> [String] {
            Array(try encode(Rule([.l4Protocol(.tcp)] + matches, .drop)).0.dropFirst(2).dropLast(2))
        }
        // --dport 1000:2000 → range
        #expect(try ports([.destinationPort(PortRange(first: 1000, last: 2000)!)]) == [
            "[ payload load 2b @ transport header + 2 => reg 1 ]", "[ range eq reg 1 0x0000e803 0x0000d007 ]",
        ])
        // --sport 80 --dport 90 → one 4-byte compare
        #expect(try ports([.sourcePort(PortRange(80)), .destinationPort(PortRange(90))]) == [
            "[ payload load 4b @ transport header + 0 => reg 1 ]", "[ cmp eq reg 1 0x5a005000 ]",
        ])
        // ! --sport 1 --dport 90 → two compares
        #expect(try ports([.sourcePort(PortRange(1), negated: true), .destinationPort(PortRange(90))]) == [
            "[ payload load 2b @ transport header + 0 => reg 1 ]", "[ cmp neq reg 1 0x00000100 ]",
            "[ payload load 2b @ transport header + 2 => reg 1 ]", "[ cmp eq reg 1 0x00005a00 ]",
        ])
        // --dport 0:100 → one compare, <= 100 (> 100 when negated), as iptables-restore stores it
        #expect(try ports([.destinationPort(PortRange(first: 0, last: 100)!)]) == [
            "[ payload load 2b @ transport header + 2 => reg 1 ]", "[ cmp lte reg 1 0x00006400 ]",
        ])
        #expect(try ports([.destinationPort(PortRange(first: 0, last: 100)!, negated: true)]) == [
            "[ payload load 2b @ transport header + 2 => reg 1 ]", "[ cmp gt reg 1 0x00006400 ]",
        ])
        // --sport 0 --dport 5 → two compares: only non-zero single ports are combined
        #expect(try ports([.sourcePort(PortRange(0)), .destinationPort(PortRange(5))]) == [
            "[ payload load 2b @ transport header + 0 => reg 1 ]", "[ cmp eq reg 1 0x00000000 ]",
            "[ payload load 2b @ transport header + 2 => reg 1 ]", "[ cmp eq reg 1 0x00000500 ]",
        ])
        // --dport 0:65535 restricts nothing: a bare xt tcp match
        #expect(try ports([.destinationPort(PortRange(first: 0, last: 65535)!)]) == ["[ match name tcp rev 0 ]"])
        // sctp always uses the xt match
        let sctp = try encode(Rule([.l4Protocol(.sctp), .destinationPort(PortRange(80))], .drop))
        #expect(sctp.0[2] == "[ match name sctp rev 0 ]")
        #expect(sctp.1 == NetfilterBatch.Compat(protocolNumber: 132))
    }

    @Test func marksAndTargets() throws {
        let mark = MarkValue(0x4000)
        // -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        #expect(try encode(Rule([.mark(mark, mask: mark, negated: true)], .return)).0 == [
            "[ meta load mark => reg 1 ]",
            "[ bitwise reg 1 = ( reg 1 & 0x00004000 ) ^ 0x00000000 ]",
            "[ cmp neq reg 1 0x00004000 ]",
            "[ counter pkts 0 bytes 0 ]",
            "[ immediate reg 0 return ]",
        ])
        var encoder = IPTablesNFTEncoder(family: .ipv4)
        var out: [Expression] = []
        _ = try encoder.encode(Rule([], .setMark(.xor(mark))), into: &out)
        #expect(out == [.counter(Counter()), .target(.mark(XTMark(value: 0x4000, mask: 0)))])
        _ = try encoder.encode(Rule([.comment("x")], .masquerade(randomFully: true)), into: &out)
        #expect(out.last == .target(.masqueradeIPv4(XTMasqueradeIPv4(randomFully: true))))
        _ = try encoder.encode(Rule([], .reject()), into: &out)
        #expect(out.last == .target(.rejectIPv4(XTRejectIPv4(with: 3))))
        var encoder6 = IPTablesNFTEncoder(family: .ipv6)
        _ = try encoder6.encode(Rule([], .reject()), into: &out)
        #expect(out.last == .target(.rejectIPv6(XTRejectIPv6(with: 4))))
        // A comment-only rule still gets its counter.
        _ = try encoder.encode(Rule([.comment("other traffic")], nil), into: &out)
        #expect(out.map(\.kindName) == ["match", "counter"])
    }

    @Test func statisticProbabilityIsTheParsedTenDigitText() throws {
        var encoder = IPTablesNFTEncoder(family: .ipv4)
        var out: [Expression] = []
        for (k, expected) in [(2, 0x4000_0000), (3, 0x2aaa_aaab), (5, 0x1999_999a), (1001, 0x0020_bc3a)] as [(Int, UInt32)] {
            _ = try encoder.encode(Rule([.statistic(.oneIn(k))], .jump("X")), into: &out)
            #expect(out.first == .match(.statistic(XTStatistic(probability: expected))), "1/\(k)")
        }
    }

    @Test func unrepresentableRulesAreRefused() {
        var encoder = IPTablesNFTEncoder(family: .ipv4)
        var out: [Expression] = []
        #expect(throws: EncodingError.self) {
            try encoder.encode(Rule([.destinationPort(PortRange(80))], .accept), into: &out)
        }
        #expect(throws: EncodingError.self) {
            try encoder.encode(Rule([], .randomChoice(["A", "B"])), into: &out)
        }
        #expect(throws: EncodingError.self) {
            try encoder.encode(Rule([], .dnat(IPAddress("fd00::1")!, port: 80)), into: &out)
        }
        #expect(throws: EncodingError.self) {
            try encoder.encode(Rule([.comment(Comment(String(repeating: "x", count: 256)))], nil), into: &out)
        }
        // Never matches; iptables-nft 1.8.9 would drop it and match everything.
        #expect(throws: EncodingError.self) {
            try encoder.encode(Rule([.l4Protocol(.udp), .destinationPort(PortRange(first: 0, last: .max)!, negated: true)], nil), into: &out)
        }
    }
}
