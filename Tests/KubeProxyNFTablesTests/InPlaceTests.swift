@testable import KubeProxyNFTables
import NetworkAddresses
import RuleModel
import Testing

/// The layout writes rules and chains field by field: a stored property added to `Rule` or
/// `Chain` would be left uninitialized unless `InPlace` sets it too.
@Suite struct InPlaceTests {
    @Test func setsEveryStoredPropertyOfRuleAndChain() {
        // What `InPlace.rule` and `InPlace.chain` set, in declaration order.
        let rule = Rule([], nil)
        #expect(Mirror(reflecting: rule).children.map { $0.label ?? "" } == ["matches", "verdict", "provenanceID"])
        let chain = Chain("x")
        #expect(Mirror(reflecting: chain).children.map { $0.label ?? "" }
                == ["name", "provenanceID", "rules", "attachment", "comment"])
    }

    @Test func writesTheSameValuesAsTheInitializers() {
        let address = IPAddress("10.0.0.1")!
        let rules = InPlace.rules(count: 2) { rules in
            InPlace.rule(rules, [.source(.host(address))], .jump("mark-for-masquerade"))
            InPlace.rule(rules + 1, [.l4Protocol(.tcp)], .dnat(address, port: 8080))
        }
        #expect(rules == [Rule([.source(.host(address))], .jump("mark-for-masquerade")),
                          Rule([.l4Protocol(.tcp)], .dnat(address, port: 8080))])
        #expect(rules.allSatisfy { $0.provenanceID.isNone })

        let name: ChainName = "endpoint-RSQB6WD7-prod/web/tcp/http__10.180.0.52/8080"
        let chain = UnsafeMutablePointer<Chain>.allocate(capacity: 1)
        defer { chain.deallocate() }
        InPlace.chain(chain, name: name, rules: rules, provenanceID: .none)
        #expect(chain.move() == Chain(name, rules: rules))
    }
}
