import IPTablesNFTEncoding
import NetfilterNetlink
import NetworkAddresses
import RuleModel
import Testing

/// Expressions the rule model cannot hold are errors that name the expression, never skipped.
struct DecoderErrorTests {
    static let accept = Expression.immediate(Immediate(verdict: .accept))
    static let tcp: [Expression] = [.meta(Meta(key: .l4proto)), .cmp(Cmp(.eq, .byte(6)))]

    func decodingError(_ expressions: [Expression], family: IPFamily = .ipv4) -> RuleDecodingError? {
        do {
            let rule = try IPTablesNFTDecoder(family: family).decode(expressions)
            Issue.record("decoded to \(rule)")
            return nil
        } catch let error as RuleDecodingError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    /// (expressions, the expression the error must name, words the message must contain)
    static let cases: [(String, [Expression], String?, String)] = [
        ("interface index match", [.meta(Meta(key: .iif)), .cmp(Cmp(.eq, .hostOrder(2))), accept],
         "[ meta load iif => reg 1 ]", "packet metadata the rule model has no match for"),
        ("interface name compared with a range", [.meta(Meta(key: .iifname)), .cmp(Cmp(.gt, RegisterData(Array("eth0".utf8)))), accept],
         "[ cmp gt reg 1 0x30687465 ]", "compares the interface name with"),
        ("ct state", [.ct(Ct(key: .state)), .cmp(Cmp(.neq, .hostOrder(0))), accept], "[ ct load state => reg 1 ]", "a ct expression, which iptables-nft does not write"),
        ("set lookup", [.payload(Payload(base: .network, offset: 16, length: 4)), .lookup(Lookup(set: "s")), accept],
         "[ lookup reg 1 set s ]", "not compared"),
        ("load without compare", [.payload(Payload(base: .network, offset: 12, length: 4))],
         "[ payload load 4b @ network header + 12 => reg 1 ]", "ends after loading the source address"),
        ("protocol field", [.payload(Payload(base: .network, offset: 9, length: 1)), .cmp(Cmp(.eq, .byte(6))), accept],
         "[ payload load 1b @ network header + 9 => reg 1 ]", "offset 9"),
        ("ports without protocol", [.payload(Payload(base: .transport, offset: 2, length: 2)), .cmp(Cmp(.eq, .networkOrder(UInt16(80)))), accept],
         "[ payload load 2b @ transport header + 2 => reg 1 ]", "without a protocol"),
        ("negated protocol", [.meta(Meta(key: .l4proto)), .cmp(Cmp(.neq, .byte(6))), accept], "[ cmp neq reg 1 0x00000006 ]", "no ! -p"),
        ("icmp", [.meta(Meta(key: .l4proto)), .cmp(Cmp(.eq, .byte(1))), accept], "[ cmp eq reg 1 0x00000001 ]", "IP protocol 1"),
        ("other register", [.payload(Payload(base: .network, offset: 12, length: 4, destination: .r2)),
                            .cmp(Cmp(.eq, .networkOrder(UInt32(0x0a00_0001)))), accept],
         "[ cmp eq reg 1 0x0100000a ]", "not the reg 2"),
        ("not a prefix mask", [.payload(Payload(base: .network, offset: 12, length: 4)),
                               .bitwise(Bitwise(mask: .networkOrder(UInt32(0xff00_ff00)), xor: .networkOrder(UInt32(0)))),
                               .cmp(Cmp(.eq, .networkOrder(UInt32(0x0a00_0000)))), accept],
         "[ bitwise reg 1 = ( reg 1 & 0x00ff00ff ) ^ 0x00000000 ]", "not a prefix mask"),
        ("host bits", [.payload(Payload(base: .network, offset: 12, length: 4)),
                       .bitwise(Bitwise(mask: .networkOrder(UInt32(0xffff_ff00)), xor: .networkOrder(UInt32(0)))),
                       .cmp(Cmp(.eq, .networkOrder(UInt32(0x0a00_0001)))), accept],
         "[ cmp eq reg 1 0x0100000a ]", "bits set past its /24"),
        ("greater than", [.payload(Payload(base: .network, offset: 16, length: 4)), .cmp(Cmp(.gt, .networkOrder(UInt32(1)))), accept],
         "[ cmp gt reg 1 0x01000000 ]", "only equal and not-equal"),
        ("continue", [.immediate(Immediate(verdict: .continue))], "[ immediate reg 0 continue ]", "not in the rule model"),
        ("constant load", [.immediate(Immediate(data: .hostOrder(1), destination: .r1))], "[ immediate reg 1 0x00000001 ]", "constant"),
        ("after the verdict", [accept, .immediate(Immediate(verdict: .drop))], "[ immediate reg 0 drop ]", "after the verdict"),
        ("multiport", tcp + [.match(.other(name: "multiport", revision: 1, info: [UInt8](repeating: 0, count: 80))), accept],
         "[ match name multiport rev 1 ]", "xt match multiport (revision 1)"),
        ("LOG", [.target(.other(name: "LOG", revision: 0, info: [UInt8](repeating: 0, count: 32)))],
         "[ target name LOG rev 0 ]", "xt target LOG"),
        ("inverted statistic", [.match(.statistic(XTStatistic(probability: 1 << 30, inverted: true))), accept],
         "[ match name statistic rev 0 ]", "inverted statistic"),
        ("rcheck without seconds", [.match(.recent(XTRecent(name: "X", operation: .check(seconds: 0, reap: false)))), accept],
         "[ match name recent rev 1 ]", "without --seconds"),
        ("unknown conntrack bits", [.match(.conntrack(XTConntrack(stateMask: 1 << 4))), accept],
         "[ match name conntrack rev 3 ]", "state mask 0x10"),
        ("addrtype UNICAST", [.match(.addrType(XTAddrType(destinationTypes: 1 << 1))), accept],
         "[ match name addrtype rev 1 ]", "LOCAL only"),
        ("udp match for tcp", tcp + [.match(.udp(XTUDP())), accept], "[ match name udp rev 0 ]", "udp port match in a rule for protocol tcp"),
        ("two port matches", tcp + [.match(.tcp(XTTCP())), .match(.tcp(XTTCP())), accept],
         "[ match name tcp rev 0 ]", "second tcp port match"),
        ("two sources", [.payload(Payload(base: .network, offset: 12, length: 1)), .cmp(Cmp(.eq, .byte(10))),
                         .payload(Payload(base: .network, offset: 12, length: 1)), .cmp(Cmp(.eq, .byte(11))), accept],
         "[ payload load 1b @ network header + 12 => reg 1 ]", "second source address"),
        ("reject net unreachable", [.target(.rejectIPv4(XTRejectIPv4(with: 0)))], "[ target name REJECT rev 0 ]", "REJECT with an ICMP error the rule model does not have"),
        ("IPv6 DNAT in IPv4", [.target(.dnat(XTDNAT(address: .networkOrder(high: 0xfd00 << 48, low: 5), port: 80)))],
         "[ target name DNAT rev 2 ]", "16-byte address in an IPv4 rule"),
        ("no port matches", tcp + [.payload(Payload(base: .transport, offset: 2, length: 2)), .cmp(Cmp(.gt, .networkOrder(UInt16.max))), accept],
         "[ cmp gt reg 1 0x0000ffff ]", "no port matches"),
        ("native reject", [.reject(Reject(kind: .icmpUnreachable, code: 3))], "[ reject type 0 code 3 ]", "a reject expression"),
    ]

    @Test(arguments: cases.indices)
    func namesTheExpression(index: Int) throws {
        let (name, expressions, expression, words) = Self.cases[index]
        let error = try #require(decodingError(expressions), "\(name)")
        #expect(error.expression == expression, "\(name)")
        #expect(error.message.contains(words), "\(name): \(error.message)")
        #expect(error.family == .ipv4)
    }

    /// Port comparisons other tools write with the other orders read as the ranges they mean.
    @Test func orderedPortComparisonsAreRanges() throws {
        let cases: [(CompareOperator, UInt16, PortRange)] = [
            (.lte, 100, PortRange(first: 0, last: 100)!), (.lt, 100, PortRange(first: 0, last: 99)!),
            (.gt, 100, PortRange(first: 101, last: .max)!), (.gte, 100, PortRange(first: 100, last: .max)!),
        ]
        for (op, value, range) in cases {
            let rule = try IPTablesNFTDecoder(family: .ipv4).decode(Self.tcp + [
                .payload(Payload(base: .transport, offset: 2, length: 2)), .cmp(Cmp(op, .networkOrder(value))), Self.accept])
            #expect(rule == Rule([.l4Protocol(.tcp), .destinationPort(range)], .accept), "\(op)")
        }
    }

    @Test func targetsMustMatchTheFamily() {
        let masquerade = decodingError([.target(.masqueradeIPv4(XTMasqueradeIPv4(randomFully: false)))], family: .ipv6)
        #expect(masquerade?.message == "an IPv4 MASQUERADE in an IPv6 rule")
        let reject = decodingError([.target(.rejectIPv6(XTRejectIPv6(with: XTRejectIPv6.tcpReset)))], family: .ipv4)
        #expect(reject?.message == "a REJECT for the other IP family in an IPv4 rule")
    }

    @Test func descriptionReadsLikeAParserError() {
        let error = RuleDecodingError(family: .ipv6, table: "nat", chain: "KUBE-SERVICES", rule: 3,
                                      expression: "[ match name multiport rev 1 ]", message: "xt match multiport (revision 1) is not in the rule model")
        #expect(error.description == "ip6 nat chain KUBE-SERVICES rule 3: xt match multiport (revision 1) is not in the rule model (in: [ match name multiport rev 1 ])")
        #expect(RuleDecodingError(family: .ipv4, table: "filter", chain: "weird", message: "m").description == "ip filter chain weird: m")
    }
}
