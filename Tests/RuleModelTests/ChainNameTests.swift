import Testing
@testable import RuleModel

@Suite struct ChainNameTests {
    @Test func roundTripsAndCounts() {
        for text in ["", "A", "KUBE-SVC-XPGD46QRK7WJZT7O", "KUBE-PROXY-FIREWALL", String(repeating: "x", count: 32),
                     String(repeating: "y", count: 33), "service-ABCDEFGH-ns/svc/tcp/port__10.1.2.3/8080"] {
            let name = ChainName(text)
            #expect(name.description == text)
            #expect(name.count == text.utf8.count)
        }
    }

    @Test func sortsInByteOrderAcrossStorageKinds() {
        let texts = ["KUBE-SVC-B", "KUBE-SEP-Z", "KUBE-SVC-A", "KUBE-NODEPORTS", "a", "B",
                     String(repeating: "K", count: 40), "KUBE-SVC-AB", "KUBE-SVC-A-" + String(repeating: "z", count: 30)]
        let sorted = texts.map { ChainName($0) }.sorted().map(\.description)
        #expect(sorted == texts.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    @Test func prefixSuffixConstructionEqualsWholeName() {
        let suffix = Array("XPGD46QRK7WJZT7O".utf8)
        let built = suffix.withUnsafeBufferPointer { ChainName(prefix: "KUBE-SVC-", suffix: $0) }
        #expect(built == ChainName("KUBE-SVC-XPGD46QRK7WJZT7O"))
        #expect(built.hashValue == ChainName("KUBE-SVC-XPGD46QRK7WJZT7O").hashValue)
        let unchecked = suffix.withUnsafeBufferPointer { ChainName(prefix: "KUBE-SVC-", hashSuffix: $0) }
        #expect(unchecked == built && unchecked.description == "KUBE-SVC-XPGD46QRK7WJZT7O")
        // Too long to pack: the checked path, same name.
        let long = Array(String(repeating: "A", count: 30).utf8)
        let longName = long.withUnsafeBufferPointer { ChainName(prefix: "KUBE-SVC-", hashSuffix: $0) }
        #expect(longName.description == "KUBE-SVC-" + String(repeating: "A", count: 30))
    }
}

@Suite struct ChainNameStorageTests {
    /// Names the word packing cannot hold (a NUL byte, non-ASCII) take the long storage and
    /// still compare in byte order with packed ones.
    @Test func unpackableNamesRoundTripAndSort() {
        let texts = ["KUBE-Ä", "a\u{0}b", "é", "KUBE-SVC-A", "a", "KUBE-", "zz"]
        for text in texts {
            #expect(ChainName(text).description == text)
            #expect(ChainName(text).count == text.utf8.count)
        }
        let sorted = texts.map { ChainName($0) }.sorted().map(\.description)
        #expect(sorted == texts.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        var runs = [NameOrderedChains(texts.map { Chain(ChainName($0)) })]
        #expect([Chain].mergingSorted(&runs, after: []).map(\.name.description) == sorted)
    }
}

@Suite struct ChainMoveTests {
    @Test func moveAppendingKeepsOrderAndEmptiesTheSource() {
        var first = [Chain("A", rules: [Rule([], .accept)])]
        var second = ["B", "C"].map { Chain(ChainName($0), rules: [Rule([], .drop)]) }
        first.moveAppending(&second)
        #expect(first.map(\.name.description) == ["A", "B", "C"])
        #expect(first.map(\.rules.count) == [1, 1, 1])
        #expect(second.isEmpty)
    }
}
