import NetworkAddresses
import NFTText
import RuleModel
import TestSupport
import Testing

/// The nft reader on the 30 reference cases, in both forms, and on bad input.
@Suite struct NFTParserTests {
    static let cases = SharedCases.names

    @Test(arguments: cases)
    func printingAParsedScriptGivesTheScriptBack(name: String) throws {
        let script = try SharedCases.text(name, "kube-proxy.nft")
        let parsed = try NFTParser(sourceName: name).parse(script)
        #expect(!parsed.isEmpty)
        let printed = try parsed.map { try NFTTextWriter().text($0) }.joined()
        #expect(printed == script)
    }

    @Test(arguments: cases)
    func aListingParsesToTheModelOfItsScript(name: String) throws {
        let script = try NFTParser(sourceName: "script").parse(SharedCases.text(name, "kube-proxy.nft"))
        let listing = try NFTParser(sourceName: "listing").parse(SharedCases.text(name, "live-nft-list.txt"))
        #expect(listing.map(\.ruleCount) == script.map(\.ruleCount))
        let (l, s) = (NFTCanonicalForm.normalized(listing), NFTCanonicalForm.normalized(script))
        #expect(l == s, "see the issues below")
        // Name what differs, not the whole model.
        for (left, right) in zip(l.flatMap(\.tables), s.flatMap(\.tables)) {
            for (a, b) in zip(left.chains, right.chains) where a != b { Issue.record("chain \(a.name): \(a.rules) vs \(b.rules)") }
            for (a, b) in zip(left.sets, right.sets) where a != b { Issue.record("set \(a.name) differs") }
            for (a, b) in zip(left.maps, right.maps) where a != b { Issue.record("map \(a.name) differs") }
        }
    }

    @Test func setFieldsComeFromTheRulesThatUseThem() throws {
        let rulesets = try NFTParser(sourceName: "t").parse(SharedCases.text("session-affinity-clientip", "live-nft-list.txt"))
        let table = try #require(rulesets.first?.tables.first)
        let affinity = try #require(table.sets.first { $0.name.description.hasPrefix("affinity-") })
        #expect(affinity.fields == [.sourceAddress])
        #expect(affinity.timeoutSeconds == 3600)
        #expect(affinity.flags == [.dynamic, .timeout])
        #expect(table.maps.first { $0.name == "service-nodeports" }?.fields == [.l4Protocol, .destinationPort])
    }

    @Test func detectsBothFormsAndNothingElse() {
        #expect(NFTParser.looksLikeRules("add table ip kube-proxy\n"))
        #expect(NFTParser.looksLikeRules("\n# x\ntable ip6 kube-proxy {\n}\n"))
        #expect(!NFTParser.looksLikeRules("*nat\n:PREROUTING ACCEPT [0:0]\n"))
        #expect(!NFTParser.looksLikeRules("apiVersion: v1\nkind: Service\n"))
        #expect(!NFTParser.looksLikeRules("table: x\n"))
    }

    @Test func errorsNameTheLineAndTheTokenSafely() {
        let text = "add table ip t\nadd chain ip t c\nadd rule ip t c ip daddr 10.0.0.1 frobnicate\u{1b}[31m" + String(repeating: "x", count: 200) + "\n"
        #expect {
            try NFTParser(sourceName: "in.nft").parse(text)
        } throws: { error in
            guard let error = error as? NFTParseError else { return false }
            return error.line == 3 && error.source == "in.nft" && error.token.hasPrefix("\"frobnicate\\u{1b}")
                && error.token.count < 90 && !error.description.contains("\u{1b}")
        }
        #expect(throws: NFTParseError.self) { try NFTParser(sourceName: "x").parse("add rule ip t c accept\n") }
        #expect(throws: NFTParseError.self) { try NFTParser(sourceName: "x").parse("table ip t {\n chain c {\n  accept\n") }
        #expect(throws: NFTParseError.self) { try NFTParser(sourceName: "x").parse("table inet t {\n}\n") }
        #expect(throws: NFTParseError.self) {
            try NFTParser(sourceName: "x").parse("add table ip t\nadd chain ip t c\nadd rule ip t c numgen random mod 2 vmap { 0 : goto a }\n")
        }
    }

    @Test func readsRuleShapesTheCasesDoNotHave() throws {
        let text = """
            table ip6 t {
            \tchain c {
            \t\ttype filter hook input priority filter + 5; policy drop;
            \t\tct state != established,related counter packets 3 bytes 120 reject with icmpv6 type admin-prohibited
            \t\tmeta mark & 0x00000f00 != 0x00000100 tcp sport 1000-2000 accept
            \t\tmeta mark set meta mark & 0xffff00ff ^ 0x00000200
            \t\tdnat ip6 to [fd00::1]:8080
            \t}
            }

            """
        let ruleset = try #require(try NFTParser(sourceName: "t").parse(text).first)
        #expect(ruleset.family == .ipv6)
        let chain = try #require(ruleset.tables.first?.chains.first)
        #expect(chain.attachment?.priority == 5)
        #expect(chain.attachment?.policyAccepts == false)
        #expect(chain.rules.map(\.verdict) == [
            .reject(.adminProhibited), .accept, .setMark(.set(MarkValue(0x200), mask: MarkValue(0xff00))),
            .dnat(IPAddress("fd00::1")!, port: 8080),
        ])
        #expect(chain.rules[0].matches == [.conntrackState([.established, .related], negated: true)])
        #expect(chain.rules[1].matches == [.mark(MarkValue(0x100), mask: MarkValue(0xf00), negated: true), .l4Protocol(.tcp),
                                           .sourcePort(PortRange(first: 1000, last: 2000)!)])
    }
}
