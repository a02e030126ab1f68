import NetfilterNetlink
import NetworkAddresses
import NFTablesEncoding
import RuleModel
import Testing

/// Each rule shape kube-proxy's nftables layout uses, encoded, against the expression list
/// `nft --debug=netlink` printed for the same rule text (nftables 1.0.6; see
/// /work/shared/nftables/nft-netlink-debug.txt and the cases' debug output).
@Suite struct ExpressionTests {
    static func expressions(_ rule: Rule, family: TableFamily = .ip, sets: [NamedSet] = [],
                            maps: [VerdictMap] = []) throws -> [String] {
        let table = Table("kube-proxy", chains: [Chain("c", rules: [rule])], sets: sets, maps: maps, family: family)
        let program = try NFTablesEncoder().program(for: table, family: family)
        return program.rules[0].expressions.map(\.description)
    }

    static func address(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func ctStateNewJump() throws {
        let rule = Rule([.conntrackState([.new])], .jump("cluster-ips-check"))
        #expect(try Self.expressions(rule) == [
            "[ ct load state => reg 1 ]",
            "[ bitwise reg 1 = ( reg 1 & 0x00000008 ) ^ 0x00000000 ]",
            "[ cmp neq reg 1 0x00000000 ]",
            "[ immediate reg 0 jump -> cluster-ips-check ]",
        ])
    }

    @Test func marks() throws {
        #expect(try Self.expressions(Rule([], .setMark(.or(MarkValue(0x4000))))) == [
            "[ meta load mark => reg 1 ]",
            "[ bitwise reg 1 = ( reg 1 & 0xffffbfff ) ^ 0x00004000 ]",
            "[ meta set mark with reg 1 ]",
        ])
        #expect(try Self.expressions(Rule([.mark(MarkValue(0), mask: MarkValue(0x4000))], .return)) == [
            "[ meta load mark => reg 1 ]",
            "[ bitwise reg 1 = ( reg 1 & 0x00004000 ) ^ 0x00000000 ]",
            "[ cmp eq reg 1 0x00000000 ]",
            "[ immediate reg 0 return ]",
        ])
        #expect(try Self.expressions(Rule([], .setMark(.xor(MarkValue(0x4000)))))[1]
            == "[ bitwise reg 1 = ( reg 1 & 0xffffffff ) ^ 0x00004000 ]")
        #expect(try Self.expressions(Rule([], .masquerade(randomFully: true))) == ["[ masq flags 0x10 ]"])
    }

    @Test func endpointDNATAndAffinity() throws {
        let dnat = Rule([.l4Protocol(.tcp)], .dnat(Self.address("10.244.0.2"), port: 8080))
        #expect(try Self.expressions(dnat) == [
            "[ meta load l4proto => reg 1 ]",
            "[ cmp eq reg 1 0x00000006 ]",
            "[ immediate reg 1 0x0200f40a ]",
            "[ immediate reg 2 0x0000901f ]",
            "[ nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x2 ]",
        ])
        let update = Rule([.updateSet(fields: [.sourceAddress], set: "affinity-A")], nil)
        #expect(try Self.expressions(update) == [
            "[ payload load 4b @ network header + 12 => reg 1 ]",
            "[ dynset update reg_key 1 set affinity-A ]",
        ])
    }

    @Test func concatenatedVerdictMapLookups() throws {
        let ipv4 = Rule([], .verdictMap(fields: [.destinationAddress, .l4Protocol, .destinationPort], map: "service-ips"))
        #expect(try Self.expressions(ipv4) == [
            "[ payload load 4b @ network header + 16 => reg 1 ]",
            "[ meta load l4proto => reg 9 ]",
            "[ payload load 2b @ transport header + 2 => reg 10 ]",
            "[ lookup reg 1 set service-ips dreg 0 ]",
        ])
        // An IPv6 address fills four words: the protocol starts the second 16-byte register.
        #expect(try Self.expressions(ipv4, family: .ip6) == [
            "[ payload load 16b @ network header + 24 => reg 1 ]",
            "[ meta load l4proto => reg 2 ]",
            "[ payload load 2b @ transport header + 2 => reg 13 ]",
            "[ lookup reg 1 set service-ips dreg 0 ]",
        ])
    }

    @Test func bytePrefixLoadsOnlyItsBytes() throws {
        let rule = Rule([.source(.prefix(IPPrefix("10.0.0.0/8")!), negated: true)], .jump("mark-for-masquerade"))
        #expect(try Self.expressions(rule) == [
            "[ payload load 1b @ network header + 12 => reg 1 ]",
            "[ cmp neq reg 1 0x0000000a ]",
            "[ immediate reg 0 jump -> mark-for-masquerade ]",
        ])
    }

    @Test func randomChoiceBindsAnAnonymousConstantMap() throws {
        let table = Table("kube-proxy", chains: [Chain("s", rules: [Rule([], .randomChoice(["a", "b"]))])], family: .ip)
        let program = try NFTablesEncoder().program(for: table, family: .ip)
        let rule = program.rules[0]
        #expect(rule.expressions.map(\.description) == [
            "[ numgen reg 1 = random mod 2 ]",
            "[ lookup reg 1 set __map%d dreg 0 ]",
        ])
        let map = try #require(rule.anonymousSets.first)
        // nft prints these flags as `b`: ANONYMOUS|CONSTANT|MAP.
        #expect(map.set.flags.rawValue == 0xb)
        #expect(map.set.descriptionSize == 2)
        #expect(map.elements.map(\.verdict) == [.goto("a"), .goto("b")])
        guard case .lookup(let lookup) = rule.expressions[1] else { Issue.record("no lookup"); return }
        #expect(lookup.setID == map.set.id && lookup.setID != nil)
    }

    @Test func sourceRangesBecomeAnIntervalSetWithNftsBoundaries() throws {
        let rule = Rule([.inAnonymousSet(field: .sourceAddress, elements: [.prefix(IPPrefix("192.168.0.0/16")!),
                                                                            .prefix(IPPrefix("10.0.0.0/8")!)],
                                         negated: true)], .drop)
        let table = Table("kube-proxy", chains: [Chain("fw", rules: [rule])], family: .ip)
        let set = try #require(try NFTablesEncoder().program(for: table, family: .ip).rules[0].anonymousSets.first)
        // What nft sent for `ip saddr != { 10.0.0.0/8 , 192.168.0.0/16 }`.
        #expect(set.elements.map { $0.key } == [[0, 0, 0, 0], [10, 0, 0, 0], [11, 0, 0, 0], [192, 168, 0, 0], [192, 169, 0, 0]])
        #expect(set.elements.map(\.intervalEnd) == [true, false, true, false, true])
        #expect(set.set.flags.rawValue == 0x7)
        #expect(set.set.descriptionSize == 5)
    }

    @Test func namedMapKeysAndComments() throws {
        let map = VerdictMap(name: "service-ips", fields: [.destinationAddress, .l4Protocol, .destinationPort],
                             keyTypes: [.ipv4Address, .inetProto, .inetService],
                             entries: [.init(key: [.address(Self.address("10.96.0.10")), .l4Protocol(.tcp), .port(53)],
                                             verdict: .goto("svc"), comment: "ns/svc:p")],
                             comment: "CIPs")
        let table = Table("kube-proxy", maps: [map], family: .ip)
        let definition = try #require(try NFTablesEncoder().program(for: table, family: .ip).sets.first)
        // Type, length and user data as nft 1.0.6 sent them for the same declaration.
        #expect(definition.set.keyType == 0x730d)
        #expect(definition.set.keyLength == 12)
        #expect(definition.set.userData == [0, 4, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0, 3, 8, 0, 4, 13, 0, 0, 0, 1, 0,
                                            6, 4, 0, 0, 0, 0, 7, 5] + Array("CIPs".utf8) + [0])
        #expect(definition.elements[0].key == [10, 96, 0, 10, 6, 0, 0, 0, 0, 53, 0, 0])
        #expect(definition.elements[0].userData == [0, 9] + Array("ns/svc:p".utf8) + [0])
    }

    @Test func oneElementSetIsADirectComparison() throws {
        let rule = Rule([.inAnonymousSet(field: .sourceAddress, elements: [.prefix(IPPrefix("203.0.113.0/25")!)],
                                         negated: true)], .drop)
        // As nft sends `ip saddr != { 203.0.113.0/25 }`: no set, the last byte masked.
        #expect(try Self.expressions(rule) == [
            "[ payload load 4b @ network header + 12 => reg 1 ]",
            "[ bitwise reg 1 = ( reg 1 & 0x80ffffff ) ^ 0x00000000 ]",
            "[ cmp neq reg 1 0x007100cb ]",
            "[ immediate reg 0 drop ]",
        ])
    }

    @Test func fibLocalAndRejects() throws {
        let local = Rule([.addressType(.source, .local), .comment("masquerade local traffic")], .jump("mark-for-masquerade"))
        #expect(try Self.expressions(local) == [
            "[ fib saddr type => reg 1 ]",
            "[ cmp eq reg 1 0x00000002 ]",
            "[ immediate reg 0 jump -> mark-for-masquerade ]",
        ])
        // A bare `reject` is port unreachable: ICMP code 3, ICMPv6 code 4.
        #expect(try Self.expressions(Rule([], .reject())) == ["[ reject type 0 code 3 ]"])
        #expect(try Self.expressions(Rule([], .reject()), family: .ip6) == ["[ reject type 0 code 4 ]"])
    }

    @Test func ruleCommentsBecomeUserData() throws {
        let rule = Rule([.inSet(fields: [.destinationAddress], set: "cluster-ips"),
                         .comment("Reject traffic to invalid ports of ClusterIPs")], .reject())
        let table = Table("kube-proxy", chains: [Chain("cluster-ips-check", rules: [rule])], family: .ip)
        let encoded = try NFTablesEncoder().program(for: table, family: .ip).rules[0]
        #expect(encoded.expressions.map(\.description) == [
            "[ payload load 4b @ network header + 16 => reg 1 ]",
            "[ lookup reg 1 set cluster-ips ]",
            "[ reject type 0 code 3 ]",
        ])
        // nft's rule comment record: type 0, length with the NUL, text, NUL.
        let text = "Reject traffic to invalid ports of ClusterIPs"
        #expect(encoded.userData == [0, UInt8(text.utf8.count + 1)] + Array(text.utf8) + [0])
    }

    @Test func constructsWithoutAnNftablesFormAreRefusedByName() throws {
        let rule = Rule([.statistic(Probability.oneIn(2))], .accept)
        #expect(throws: NFTablesEncodingError.self) { try Self.expressions(rule) }
    }
}
