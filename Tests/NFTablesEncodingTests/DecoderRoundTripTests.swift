import ClusterState
import Foundation
import NetfilterNetlink
import NetworkAddresses
import NFTablesEncoding
import PacketPath
import RuleModel
import Testing
import TestSupport

/// Kernel objects → rule model must give back exactly the typed tables they were encoded from,
/// for every table the layouts write: kube-proxy's 30 reference cases, the NetworkPolicy
/// cases' policy tables and the shop example, in both families. No kernel needed: the
/// encoder's program is what the kernel is sent (the root tests read a real one back).
struct DecoderRoundTripTests {
    static let kubeProxyCases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ProjectPaths.kubeProxyCases)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { ProjectPaths.kubeProxyCases + "/" + $0 + "/input.yaml" }
    }()

    static let policyCases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ProjectPaths.netpolCases)) ?? []
        return [ProjectPaths.root + "/examples/shop.yaml"]
            + names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".tsv") }.sorted().map { ProjectPaths.netpolCases + "/" + $0 + "/cluster.yaml" }
    }()

    @Test func everyCaseIsThere() {
        #expect(Self.kubeProxyCases.count == 30)
        #expect(Self.policyCases.count == 44)
    }

    @Test(arguments: kubeProxyCases + policyCases)
    func compiledTablesDecodeToThemselves(path: String) throws {
        let state = try ManifestLoader.load(paths: [path]).state
        let rulesets = Pipeline.compileNFTables(state, families: Pipeline.defaultFamilies(for: state))
        var tables = 0
        for table in rulesets.flatMap(\.tables) {
            let program = try NFTablesEncoder().program(for: table, family: table.family ?? .ip)
            let decoded = try NFTablesDecoder().table(from: program)
            let same = TableComparison.normalized(decoded) == TableComparison.normalized(table)
            #expect(same, "\(table.family?.rawValue ?? "?") \(table.name): \(TableComparison.firstDifference(decoded, table))")
            tables += 1
        }
        #expect(tables >= 1)
    }

    /// A rule another tool wrote (an xtables match) fails the table, naming chain and rule.
    @Test func aForeignRuleFailsTheTableNamingIt() throws {
        var program = NFTablesProgram(family: .ipv4, table: "kube-proxy", tableComment: nil,
                                      chains: [.init(name: "services", base: nil, comment: nil)], sets: [], rules: [], nextSetID: 1)
        program.rules.append(.init(chain: "services", expressions: [.immediate(Immediate(verdict: .accept))],
                                   userData: nil, anonymousSets: []))
        program.rules.append(.init(chain: "services", expressions: [.meta(Meta(key: .iifname)), .immediate(Immediate(verdict: .drop))],
                                   userData: nil, anonymousSets: []))
        #expect {
            try NFTablesDecoder().table(from: program)
        } throws: { error in
            let text = "\(error)"
            return text.contains("table ip kube-proxy: 1 object") && text.contains("chain services rule 2:")
        }
    }

    /// Counters are dropped (the model has none); a comment is the rule's last match.
    @Test func countersAreSkippedAndTheCommentComesLast() throws {
        let program = NFTablesProgram(
            family: .ipv4, table: "t", tableComment: "c", chains: [.init(name: "x", base: nil, comment: nil)], sets: [],
            rules: [.init(chain: "x", expressions: [.meta(Meta(key: .l4proto)), .cmp(Cmp(.eq, .byte(6))), .counter(Counter()),
                                                     .immediate(Immediate(verdict: .drop))],
                          userData: NetfilterUserData.comment("why"), anonymousSets: [])],
            nextSetID: 1)
        let table = try NFTablesDecoder().table(from: program)
        #expect(table.chains.first?.rules == [Rule([.l4Protocol(.tcp), .comment("why")], .drop)])
        #expect(table.comment == "c")
    }

    /// An interval set's ranges come back as the fewest prefixes covering each exactly: a
    /// range that is no single prefix, one open to the top, elements in any order.
    @Test func intervalRangesBecomeTheirPrefixes() throws {
        let set = NetfilterSet(table: "t", name: "blocks", flags: [.interval], keyType: NetfilterSet.DataType.ipv4Address,
                               keyLength: 4)
        let elements: [NetfilterNetlink.SetElement] = [
            .init(key: [10, 0, 3, 0], intervalEnd: true),               // end of 10.0.0.0 – 10.0.2.255
            .init(key: [192, 168, 0, 0], userData: [1, 4, 1, 0, 0, 0]), // 192.168.0.0 to the top, open
            .init(key: [10, 0, 0, 0]),
            .init(key: [0, 0, 0, 0], intervalEnd: true),                 // nft's leading end at zero
        ]
        let program = NFTablesProgram(family: .ipv4, table: "t", tableComment: nil, chains: [],
                                      sets: [.init(set: set, elements: elements)], rules: [], nextSetID: 1)
        let decoded = try NFTablesDecoder().table(from: program)
        let prefixes = decoded.sets.first?.elements.map { element -> String in
            guard case .prefix(let prefix)? = element.key.first else { return "\(element.key)" }
            return prefix.description
        }
        #expect(prefixes == ["10.0.0.0/23", "10.0.2.0/24", "192.168.0.0/13", "192.176.0.0/12", "192.192.0.0/10", "193.0.0.0/8",
                             "194.0.0.0/7", "196.0.0.0/6", "200.0.0.0/5", "208.0.0.0/4", "224.0.0.0/3"])

        // A start with no end is not a range: an error, not a guess.
        let broken = NFTablesProgram(family: .ipv4, table: "t", tableComment: nil, chains: [],
                                     sets: [.init(set: set, elements: [.init(key: [10, 0, 0, 0])])], rules: [], nextSetID: 1)
        #expect(throws: NFTablesDecodingError.self) { try NFTablesDecoder().table(from: broken) }
    }
}

/// Typed tables compared as what they hold, where the model has two spellings of one thing:
/// chains, sets and maps in name order (as `nft -f` of a layout creates them and the kernel
/// lists them); elements in key order (the kernel keeps a hash set in no order of its own);
/// a /32 (/128) element as its address and a one-address anonymous set as a plain compare
/// (as nft writes and lists both); set fields as the rules using the set give them (the
/// policy layout leaves them to its rules).
enum TableComparison {
    static func normalized(_ table: Table) -> Table {
        var table = table
        table.chains.sort { $0.name.description < $1.name.description }
        table.sets.sort { $0.name.description < $1.name.description }
        table.maps.sort { $0.name.description < $1.name.description }
        for index in table.sets.indices {
            table.sets[index].elements = table.sets[index].elements.map { SetElement($0.key.map(canonical), comment: $0.comment) }
            table.sets[index].elements.sort { "\($0.key)" < "\($1.key)" }
        }
        for index in table.maps.indices { table.maps[index].entries.sort { "\($0.key)" < "\($1.key)" } }
        for chain in table.chains.indices {
            for rule in table.chains[chain].rules.indices {
                table.chains[chain].rules[rule].matches = table.chains[chain].rules[rule].matches.map(canonical)
            }
        }
        table.inferSetFields()
        return table
    }

    static func canonical(_ component: KeyComponent) -> KeyComponent {
        if case .prefix(let prefix) = component, prefix.isHost { return .address(prefix.address) }
        return component
    }

    static func canonical(_ match: Match) -> Match {
        guard case .inAnonymousSet(let field, let elements, let negated) = match else { return match }
        let sorted = elements.map(canonical).sorted { "\($0)" < "\($1)" }
        guard sorted.count == 1, field == .sourceAddress || field == .destinationAddress else {
            return .inAnonymousSet(field: field, elements: sorted, negated: negated)
        }
        let address: AddressMatch
        switch sorted[0] {
        case .address(let host): address = .host(host)
        case .prefix(let prefix): address = .prefix(prefix)
        default: return match
        }
        return field == .sourceAddress ? .source(address, negated: negated) : .destination(address, negated: negated)
    }

    static func firstDifference(_ actual: Table, _ expected: Table) -> String {
        let actual = normalized(actual), expected = normalized(expected)
        if actual.chains.map(\.name) != expected.chains.map(\.name) {
            return "chains \(actual.chains.map(\.name)) vs \(expected.chains.map(\.name))"
        }
        for (left, right) in zip(actual.chains, expected.chains) where left != right {
            if left.attachment != right.attachment || left.comment != right.comment {
                return "chain \(left.name): \(String(describing: left.attachment)) \(left.comment ?? "") vs \(String(describing: right.attachment)) \(right.comment ?? "")"
            }
            for (position, (l, r)) in zip(left.rules, right.rules).enumerated() where l != r {
                return "chain \(left.name) rule \(position + 1): \(l) vs \(r)"
            }
            return "chain \(left.name): \(left.rules.count) rules vs \(right.rules.count)"
        }
        for (left, right) in zip(actual.sets, expected.sets) where left != right { return "set \(left) vs \(right)" }
        for (left, right) in zip(actual.maps, expected.maps) where left != right {
            if left.entries.count == right.entries.count {
                for (l, r) in zip(left.entries, right.entries) where l != r { return "map \(left.name): \(l) vs \(r)" }
            }
            return "map \(left.name) \(left.fields) \(left.keyTypes) \(left.comment ?? "") vs \(right.fields) \(right.keyTypes) \(right.comment ?? "")"
        }
        if actual.sets.count != expected.sets.count || actual.maps.count != expected.maps.count { return "set/map counts" }
        return "table attributes: \(actual.name) \(String(describing: actual.family)) \(actual.comment ?? "")"
    }
}
