@testable import NFTText
import RuleModel
import Testing

/// The chain name arena and the name sort behind the printer's order, on names the sort's
/// shortcut (the first 24 bytes as integers) cannot tell apart.
@Suite struct NameOrderTests {
    /// Names sharing 24 bytes and more, duplicates, prefixes of one another, short and inline
    /// names, in random order.
    static func names(_ count: Int) -> [ChainName] {
        var generator = SystemRandomNumberGenerator()
        let stems = ["endpoint-ABCDEFGH-ns1/svc/tcp/http__10.0.0.", "endpoint-ABCDEFGH-ns1/svc/tcp/http__10.0.0",
                     "service-ABCDEFGH-ns1/svc/tcp/http", "a", "endpoint-", "zzzzzzzzzzzzzzzzzzzzzzzz"]
        return (0..<count).map { _ in
            let stem = stems[Int.random(in: 0..<stems.count, using: &generator)]
            let tail = Int.random(in: 0..<3, using: &generator) == 0 ? "" : String(Int.random(in: 0..<300, using: &generator))
            return ChainName(stem + tail)
        }
    }

    /// Byte order of the names, equal names in input order.
    static func expected(_ names: [ChainName]) -> [Int] {
        let bytes = names.map(\.utf8)
        return names.indices.sorted { lhs, rhs in
            bytes[lhs] == bytes[rhs] ? lhs < rhs : bytes[lhs].lexicographicallyPrecedes(bytes[rhs])
        }
    }

    @Test(arguments: [1, 2]) func sortsByBytesWithTiesInInputOrder(threads: Int) {
        let names = Self.names(NameOrder.parallelThreshold + 1_001)
        let arena = NameArena(names)
        #expect(arena.sortedIndices(threads: threads) == Self.expected(names))
        let few = Array(names.prefix(500))
        #expect(NameOrder.sorted(few) == Self.expected(few))
    }

    /// A large table's names are packed in two halves on two threads: every name, rule
    /// count, rule list and plainness must read back as the chain has it.
    @Test(arguments: [1, 2]) func arenaReadsBackEveryChain(threads: Int) {
        let names = Self.names(NameArena.parallelThreshold + 3)
        let hook = BaseChainAttachment(hook: .input, priority: ChainPriority(.filter), type: .filter)
        let chains = names.enumerated().map { index, name in
            Chain(name, rules: (0..<(index % 4)).map { Rule([], .jump(ChainName("target-\(index)-\($0)"))) },
                  attachment: index % 7 == 0 ? hook : nil, comment: index % 5 == 0 ? "c" : nil)
        }
        let arena = NameArena(chains, threads: threads)
        #expect(arena.count == chains.count)
        #expect(chains.indices.allSatisfy { Array(arena.name($0)) == chains[$0].name.utf8 })
        #expect(arena.ruleCounts == chains.map { Int32($0.rules.count) })
        #expect(chains.indices.allSatisfy { Array(arena.rules($0)) == chains[$0].rules })
        #expect(chains.indices.map(arena.isPlain) == chains.map { $0.attachment == nil && $0.comment == nil })
        #expect(arena.sortedIndices(threads: threads) == Self.expected(names))
    }
}
