import Testing
@testable import ClusterState

/// The word-at-a-time shortcuts of the scanners (runs of spaces, strings without escapes,
/// line feeds counted eight at a time) keep every line and column.
@Suite struct ScanShortcutTests {
    /// A syntax error after indentation of every width up to 40, with tabs and line breaks
    /// around it, is placed at the right line and column.
    @Test(arguments: 0..<41)
    func columnsAfterIndentation(width: Int) {
        let indent = String(repeating: " ", count: width)
        let text = "{\n \t\"a\": \"plain\",\r\n\(indent)\"b\": \"esc\\\"aped\",\n\(indent)\"c\": \"é\",\n\(indent)}\n"
        #expect(throws: ManifestError(file: "f.json", document: 1, line: 5, column: width + 1,
                                      message: "JSON syntax error: trailing comma before '}'")) {
            _ = try JSONStream.read(text, file: "f.json")
        }
    }

    /// Strings read in one piece and strings read in pieces (escapes, non-ASCII) hold the same text.
    @Test func stringsWithAndWithoutEscapes() throws {
        let documents = try JSONStream.read(#"{"k": "plain", "e": "a\"b\\c\u00e9\n", "u": "é😀", "empty": ""}"#, file: "f.json")
        let texts = documents.tree.withView { view in
            (0..<view.nodes[documents.roots[0]].count).map { view.string(view.child(documents.roots[0], $0)) }
        }
        #expect(texts == ["k", "plain", "e", "a\"b\\cé\n", "u", "é😀", "empty", ""])
    }

    /// true, false and null are plain scalars; anything else starting like them is an error.
    @Test func jsonWords() throws {
        let documents = try JSONStream.read(#"{"t": true, "f": false, "n": null}"#, file: "f.json")
        let values = documents.tree.withView { view in
            (0..<3).map { view.nodes[view.child(documents.roots[0], 2 * $0 + 1)] }
        }
        #expect(values.map(\.plain) == [true, true, true])
        #expect(values.map(\.count) == [4, 5, 4])
        for bad in ["tru}", "fals", "nul", "nope", "x"] {
            #expect(throws: ManifestError(file: "f.json", document: 1, line: 1, column: 7,
                                          message: "JSON syntax error: expected a value, got '\(bad.first!)'")) {
                _ = try JSONStream.read("{\"a\": \(bad)", file: "f.json")
            }
        }
    }

    /// The packed-word tests of YAML 1.1's null and boolean words agree with the word lists
    /// on those words, every case and length variant of them, and generated near misses.
    @Test func nullAndBooleanWords() {
        let trueWords: Set = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"]
        let falseWords: Set = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"]
        let nullWords: Set = ["", "~", "null", "Null", "NULL"]
        var candidates = trueWords.union(falseWords).union(nullWords)
        for word in Array(candidates) {
            candidates.formUnion([word.lowercased(), word.uppercased(), word + "x", String(word.dropLast()), "x" + word, word + word])
        }
        var random = SeededRandom(seed: 5)
        let letters = Array("tTrRuUeEfFaAlLsSyYnNoO~x")
        for _ in 0..<3000 {
            candidates.insert(String((0..<random.next(below: 7)).map { _ in letters[random.next(below: letters.count)] }))
        }
        for word in candidates {
            let expected: Bool? = trueWords.contains(word) ? true : falseWords.contains(word) ? false : nil
            #expect(YAMLValue.boolWord(word) == expected, "\(word)")
            #expect(YAMLValue.isNullWord(word) == nullWords.contains(word), "\(word)")
        }
    }

    @Test func lineFeedsCountedByWords() {
        var random = SeededRandom(seed: 3)
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in [UInt8(10), 32, 65, 0x8A, 0x0B][random.next(below: 5)] }
            let counted = bytes.withUnsafeBufferPointer { DocumentRuns.lineBreaks($0) }
            #expect(counted == bytes.filter { $0 == 10 }.count)
        }
    }
}
