import NetworkAddresses
import RuleModel
import Testing
@testable import IPTablesText

/// Rules of other programs on the node (Docker, Calico, flannel, an admin's LOG rule): what the
/// model has is typed, the rest kept verbatim, and both print back the way iptables-save does.
@Suite struct ForeignRuleTests {
    private func rule(_ text: String, table: String = "filter") throws -> Rule {
        let dump = "*\(table)\n:X - [0:0]\n-A X \(text)\nCOMMIT\n"
        return try #require(IPTablesSaveParser(sourceName: "t").parseOne(dump)[table: table]?.chain(named: "X")?.rules.first)
    }

    private func live(_ text: String) throws -> String {
        try IPTablesSaveWriter.ruleText(try rule(text), family: .ipv4)
    }

    @Test func interfacesWithWildcardsAndNegation() throws {
        let parsed = try rule("-d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT")
        let outside = try #require(InterfaceName("docker0"))
        #expect(parsed.matches.contains(.interface(.input, outside, negated: true)))
        #expect(parsed.matches.contains(.interface(.output, outside)))
        #expect(try live("-d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT")
                == "-d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT")
        // Restore order (interface last) prints in the kernel's order.
        #expect(try live("-p tcp -m tcp --dport 80 -o docker0 -j ACCEPT") == "-o docker0 -p tcp -m tcp --dport 80 -j ACCEPT")
        let wildcard = try #require(InterfaceName("cali+"))
        #expect(wildcard.matches("cali12ab34") && wildcard.matches("cali") && !wildcard.matches("eth0"))
        #expect(InterfaceName("+")?.matches("anything") == true)
        #expect(try #require(InterfaceName("eth0")).matches("eth0") && !(try #require(InterfaceName("eth0"))).matches("eth01"))
        #expect(InterfaceName("ca+li") == nil)
    }

    @Test func unknownModulesAreKeptWhole() throws {
        let parsed = try rule(#"-m comment --comment "cali:abc" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully"#, table: "nat")
        #expect(parsed.matches == [.comment(Comment("cali:abc")), .unrecognized("-m set --match-set cali40masq-ipam-pools src"),
                                   .unrecognized("-m set ! --match-set cali40all-ipam-pools dst")])
        #expect(parsed.verdict == .masquerade(randomFully: true))
        #expect(try rule("-p tcp -m multiport --dports 80,443 -m physdev --physdev-is-bridged -j DROP").matches
                == [.l4Protocol(.tcp), .unrecognized("-m multiport --dports 80,443"), .unrecognized("-m physdev --physdev-is-bridged")])
    }

    @Test func unmodelledOptionsOfKnownModules() throws {
        #expect(try rule("-p tcp -m tcp --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT").matches
                == [.l4Protocol(.tcp), .destinationPort(PortRange(22)), .unrecognized("-m tcp --tcp-flags FIN,SYN,RST,ACK SYN")])
        // Printed inside the protocol's module, as iptables-save does; an option after -p alone belongs there too.
        #expect(try live("-p tcp -m tcp --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT")
                == "-p tcp -m tcp --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT")
        #expect(try rule("-p tcp --syn -j DROP").matches == [.l4Protocol(.tcp), .unrecognized("-m tcp --syn")])
        #expect(try live("-p tcp --syn -j DROP") == "-p tcp -m tcp --syn -j DROP")
        #expect(try rule("-m addrtype --dst-type BROADCAST -j DROP").matches == [.unrecognized("-m addrtype --dst-type BROADCAST")])
        #expect(try rule("-m addrtype --dst-type LOCAL --limit-iface-in -j DROP").matches
                == [.addressType(.destination, .local), .unrecognized("-m addrtype --limit-iface-in")])
        #expect(try rule("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT").matches == [.conntrackState([.related, .established])])
        #expect(try rule("-m conntrack --ctstate INVALID,NEW --ctdir ORIGINAL -j DROP").matches
                == [.conntrackState([.invalid, .new]), .unrecognized("-m conntrack --ctdir ORIGINAL")])
        #expect(try rule("-m statistic --mode nth --every 2 --packet 0 -j DROP").matches
                == [.unrecognized("-m statistic --mode nth --every 2 --packet 0")])
        #expect(try rule("-p icmp -m icmp --icmp-type 8 -j ACCEPT").matches == [.unrecognized("-p icmp"), .unrecognized("-m icmp --icmp-type 8")])
        #expect(try rule("! -p tcp -f -j DROP").matches == [.unrecognized("! -p tcp"), .unrecognized("-f")])
    }

    @Test func targetsTheModelLacks() throws {
        let log = try rule(#"-m limit --limit 5/min -j LOG --log-prefix "dropped: " --log-level 4"#)
        #expect(log.matches == [.unrecognized("-m limit --limit 5/min")])
        #expect(log.verdict == .unrecognized(#"-j LOG --log-prefix "dropped: " --log-level 4"#))
        #expect(log.verdict?.unrecognizedTarget == "LOG")
        #expect(try live(#"-m limit --limit 5/min -j LOG --log-prefix "dropped: " --log-level 4"#)
                == #"-m limit --limit 5/min -j LOG --log-prefix "dropped: " --log-level 4"#)
        #expect(try rule("-j CONNMARK --set-xmark 0x1/0x1", table: "filter").verdict == .unrecognized("-j CONNMARK --set-xmark 0x1/0x1"))
        #expect(try rule("-p tcp -j DNAT --to-destination 10.0.0.1-10.0.0.5", table: "nat").verdict
                == .unrecognized("-j DNAT --to-destination 10.0.0.1-10.0.0.5"))
        #expect(try rule("-j REJECT --reject-with icmp-host-unreachable").verdict == .unrecognized("-j REJECT --reject-with icmp-host-unreachable"))
        #expect(try rule("-j SNAT --to-source 192.0.2.1", table: "nat").verdict == .unrecognized("-j SNAT --to-source 192.0.2.1"))
        // A foreign chain is an ordinary jump.
        #expect(try rule("-j cali-FORWARD").verdict == .jump("cali-FORWARD"))
    }

    /// Both spellings of a dump and the restore writer give back the same verbatim text.
    @Test func verbatimRulesRoundTrip() throws {
        let text = """
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :cali-fw-cali1 - [0:0]
            -A FORWARD -i cali+ -m comment --comment "cali:x y" -m set --match-set "cali40s:a b" src -j cali-fw-cali1
            -A cali-fw-cali1 -m mark --mark 0x10000/0x10000 -j RETURN
            -A cali-fw-cali1 -m limit --limit 3/min -j LOG --log-prefix "say \\"hi\\"" --log-level 4
            COMMIT

            """
        let ruleset = try IPTablesSaveParser(sourceName: "t").parseOne(text)
        let restore = try IPTablesSaveParser(sourceName: "restore").parseOne(try IPTablesTextWriter().text(ruleset))
        // The restore writer prints regular chains only (kube-proxy adds its jumps separately).
        for chain in ruleset.tables[0].chains where !chain.isBase {
            #expect(restore.tables[0].chain(named: chain.name)?.rules == chain.rules, "\(chain.name)")
        }
        let saved = try IPTablesSaveWriter().text(ruleset)
        #expect(try IPTablesSaveParser(sourceName: "save").parseOne(saved) == ruleset)
        #expect(saved.contains(#"-A FORWARD -i cali+ -m comment --comment "cali:x y" -m set --match-set "cali40s:a b" src -j cali-fw-cali1"#))
    }

    /// Found by scripts/fuzz-smoke: what parses prints in the kernel's spelling, and that text
    /// parses back to rules that print the same.
    @Test(arguments: [
        "-A X -p tcp -f -m tcp -m multiport --dports 22,80:90 -m conntrack --cts -j DROP",
        "-A X -m conntrack ! --ctsta\u{0}\u{0}te RELATED,ESTABLISHED,DNAT -j DROP",
        "-A X -j MAR" + String(repeating: "\u{FFFD}", count: 49) + "K --set-xmark 0x4000/0x0",
    ])
    func printingIsStable(rule: String) throws {
        let ruleset = try IPTablesSaveParser(sourceName: "t").parseOne("*filter\n:X - [0:0]\n\(rule)\nCOMMIT\n")
        let saved = try IPTablesSaveWriter().text(ruleset)
        let again = try IPTablesSaveWriter().text(try IPTablesSaveParser(sourceName: "saved").parseOne(saved))
        #expect(again == saved)
    }
}
