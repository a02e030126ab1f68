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
    }
}
