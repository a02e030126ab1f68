import Testing
@testable import ClusterState

/// The byte-wise RFC 1123 subdomain check agrees with the rule read label by label.
@Suite struct NameRulesTests {
    /// The rule as apimachinery states it: dot-separated RFC 1123 labels.
    static func labelByLabel(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253
            && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                NameRules.dns1123LabelProblem(String($0)) == nil
            }
    }

    @Test func subdomainsAgreeWithTheLabelRule() {
        let alphabet: [Character] = ["a", "z", "0", "9", "-", ".", "A", "_", "é"]
        var random = SeededRandom(seed: 7)
        var names = ["", "a", "a.b", "a..b", ".a", "a.", "-a", "a-", "a-.b", "a.-b", "a--b.c",
                     String(repeating: "a", count: 63), String(repeating: "a", count: 64),
                     String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63),
                     String(repeating: "a.", count: 126) + "a", String(repeating: "a.", count: 127) + "a"]
        for _ in 0..<5000 {
            names.append(String((0..<random.next(below: 9)).map { _ in alphabet[random.next(below: alphabet.count)] }))
        }
        for name in names {
            #expect((NameRules.dns1123SubdomainProblem(name) == nil) == Self.labelByLabel(name), "\(name)")
        }
    }

    /// The checks of label keys and values and of names on ASCII bytes (the JSON fast path's)
    /// accept exactly what the String checks accept.
    @Test func labelChecksOnBytesAgreeWithTheStringChecks() {
        let alphabet: [Character] = ["a", "Z", "0", "-", "_", ".", "/", "x", "9"]
        var random = SeededRandom(seed: 11)
        var texts = ["", "a", "/", "a/", "/a", "a/b", "a/b/c", "A.b/c", "a.b/C_d", "-a", "a-", "_a", "a_", "a.b-c_d",
                     "kubernetes.io/service-name", "a..b/c", "a./c", String(repeating: "a", count: 63), String(repeating: "a", count: 64),
                     "b/" + String(repeating: "a", count: 63), "b/" + String(repeating: "a", count: 64),
                     String(repeating: "a.", count: 126) + "a/b", String(repeating: "a.", count: 127) + "a/b"]
        for _ in 0..<5000 {
            texts.append(String((0..<random.next(below: 9)).map { _ in alphabet[random.next(below: alphabet.count)] }))
        }
        for text in texts {
            var bytes = text
            bytes.withUTF8 { bytes in
                #expect(NameRules.isLabelKey(ascii: bytes) == (NameRules.labelKeyProblem(text) == nil), "key \(text)")
                #expect(NameRules.isLabelValue(ascii: bytes) == (NameRules.labelValueProblem(text) == nil), "value \(text)")
                #expect(NameRules.isDNS1123Label(ascii: bytes) == (NameRules.dns1123LabelProblem(text) == nil), "label \(text)")
                #expect(NameRules.isDNS1035Label(ascii: bytes) == (NameRules.dns1035LabelProblem(text) == nil), "1035 label \(text)")
                #expect(NameRules.isDNS1123Subdomain(ascii: bytes) == (NameRules.dns1123SubdomainProblem(text) == nil), "subdomain \(text)")
            }
        }
    }
}
