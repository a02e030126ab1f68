import Testing
@testable import RuleModel

@Suite struct ChainMergeTests {
    /// Chains named at random, each carrying its run and position in one rule's verdict.
    private static func run(_ count: Int, tag: Int, names: inout [String]) -> [Chain] {
        var chains: [Chain] = []
        for position in 0..<count {
            let name = "KUBE-SEP-" + String((0..<6).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".randomElement()! })
            names.append(name)
            chains.append(Chain(ChainName(name), rules: [Rule([], .jump(ChainName("R\(tag)-\(position)")))]))
        }
        return chains
    }

    @Test(arguments: [(0, 0), (1, 0), (0, 1), (3, 5), (2_500, 2_500), (6_000, 10), (10, 6_000), (5_000, 3_000)])
    func mergesRunsInByteOrderAfterThePrefix(sizes: (Int, Int)) {
        var names: [String] = []
        var runs = [NameOrderedChains(Self.run(sizes.0, tag: 0, names: &names)),
                    NameOrderedChains(Self.run(sizes.1, tag: 1, names: &names))]
        let prefix = [Chain("PREROUTING"), Chain("KUBE-SERVICES")]
        let merged = [Chain].mergingSorted(&runs, after: prefix)
        #expect(merged.count == prefix.count + names.count)
        #expect(merged.prefix(2).map(\.name) == prefix.map(\.name))
        #expect(merged.dropFirst(2).map(\.name.description) == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        // Every chain kept its own rules: the jump names the run and position it was made at.
        let targets = Set(merged.dropFirst(2).compactMap { $0.rules.first?.verdict?.targetChains.first?.description })
        #expect(targets.count == names.count)
        #expect(runs.isEmpty)
    }

    @Test func equalNamesTakeTheFirstRunFirst() {
        let same = (0..<5_000).map { Chain(ChainName("KUBE-SVC-\($0 / 2)"), rules: [Rule([], .accept)]) }
        // Runs in any order: within a run, equal names keep their order.
        var runs = [NameOrderedChains(same.reversed()), NameOrderedChains(same.map { Chain($0.name, rules: [Rule([], .drop)]) })]
        let merged = [Chain].mergingSorted(&runs, after: [])
        #expect(merged.count == 10_000)
        for index in stride(from: 0, to: merged.count, by: 4) {
            // Each name twice in each run: the first run's two copies come first.
            #expect(merged[index].name == merged[index + 3].name)
            #expect(merged[index].rules[0].verdict == .accept && merged[index + 1].rules[0].verdict == .accept)
            #expect(merged[index + 2].rules[0].verdict == .drop && merged[index + 3].rules[0].verdict == .drop)
        }
    }

    @Test func threeRunsMergePairwise() {
        var names: [String] = []
        var runs = (0..<3).map { NameOrderedChains(Self.run(1_000 * ($0 + 1), tag: $0, names: &names)) }
        let merged = [Chain].mergingSorted(&runs, after: [])
        #expect(merged.map(\.name.description) == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    /// Names too long to pack take the slower comparison and merge the same way.
    @Test func longNamesMergeByByteOrder() {
        let long = (0..<3_000).map { "KUBE-" + String(repeating: "L", count: 30) + String($0, radix: 36) }
        let short = (0..<3_000).map { "KUBE-" + String($0 * 7, radix: 36) }
        var runs = [NameOrderedChains(long.map { Chain(ChainName($0)) }), NameOrderedChains(short.map { Chain(ChainName($0)) })]
        let merged = [Chain].mergingSorted(&runs, after: [])
        #expect(merged.map(\.name.description) == (long + short).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }
}

@Suite struct NameRadixSortTests {
    private static func keys(_ names: [String]) -> [RunKey] {
        names.enumerated().map { RunKey(words: ChainName($1).sortKey!, index: $0) }
    }

    /// Names alike far past the eight sorted bytes, equal names, prefixes of one another,
    /// and names of every length: the result is byte order, stable.
    @Test func sortsPackedNamesInByteOrderStably() {
        var names: [String] = []
        for index in 0..<3_000 {
            let hash = String((0..<Int.random(in: 0...12)).map { _ in "AB27Z".randomElement()! })
            names.append(["KUBE-SEP-", "KUBE-SVC-", "KUBE-SVC-SAME-PFX-", "KUBE-"].randomElement()! + hash)
            if index % 10 == 0 { names.append(names.randomElement()!) }
        }
        let sorted = NameRadixSort.sorted(Self.keys(names))
        let expected = names.indices.sorted {
            let (l, r) = (Array(names[$0].utf8), Array(names[$1].utf8))
            return l == r ? $0 < $1 : l.lexicographicallyPrecedes(r)
        }
        #expect(sorted.map(\.index) == expected)
    }

    @Test func commonPrefixAndEightBytes() {
        let keys = Self.keys(["KUBE-SEP-ABC", "KUBE-SVC-ABC", "KUBE-SEP-ABD"])
        #expect(NameRadixSort.commonPrefixBytes(keys) == 6)
        let words = ChainName("0123456789abcdefghij").sortKey!
        #expect(NameRadixSort.eightBytes(of: words, from: 0) == UInt64(bigEndian: 0x3736_3534_3332_3130))
        #expect(NameRadixSort.eightBytes(of: words, from: 5) == 0x3536_3738_3961_6263)
        #expect(NameRadixSort.eightBytes(of: words, from: 16) == 0x6768_696A_0000_0000)
        #expect(NameRadixSort.eightBytes(of: words, from: 30) == 0)
    }
}
