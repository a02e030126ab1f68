import Testing
import NetworkAddresses
@testable import ClusterState

/// The front end's shortcuts — mapping lookups by bytes, plain string runs read a word at a
/// time, the in-place repeated-key check, the endpoint list that keeps what it decodes — give
/// what the plain way gives, on odd but valid input too.
@Suite struct DecodingFastPathTests {
    private static func read(_ text: String) throws -> JSONStream.Documents {
        try JSONStream.read(text, file: "t.json", split: .none)
    }

    /// Every lookup of every mapping of a document with escaped, non-ASCII, empty, prefix-sharing
    /// and repeated keys finds what a scan comparing each key's bytes finds (the first pair).
    @Test func mappingLookupsMatchAKeyByKeyScan() throws {
        let text = #"""
            {"a": 1, "ab": null, "abc": "x", "": "empty", "na\u006de": "n", "caf\u00e9": 2, "cafe\u0301": 3,
             "b": {"x": [1, {"y": null, "y": 2}], "\"q\"": true, "z": {}}, "a": "again", "\ud83d\ude00": "emoji"}
            """#
        let documents = try Self.read(text)
        let probes = ["a", "ab", "abc", "abcd", "", "name", "na", "café", "cafe\u{301}", "b", "x", "y", "z", "\"q\"",
                      "\u{1F600}", "B", "nam", "namee"]
        var mappings = 0
        documents.tree.withView { view in
            for index in 0..<view.nodes.count where view.nodes[index].kind == .mapping {
                mappings += 1
                let mapping = YAMLMapping(tree: view, index: index)
                let pairs = mapping.scalarKeyedPairs()
                // Several keys found in one pass are those the lookups find one by one.
                mapping.withValues(Self.staticProbes) { together in
                    for (slot, key) in Self.staticProbes.enumerated() {
                        #expect(together[slot]?.index == mapping["\(key)"]?.index, "values \(key) in mapping \(index)")
                    }
                }
                for probe in probes + pairs.map(\.key) {
                    // Bytes, not canonical equivalence: "café" and "cafe\u{301}" are different keys.
                    let first = pairs.first { Array($0.key.utf8) == Array(probe.utf8) }
                    #expect(mapping.hasKey(probe) == (first != nil), "hasKey \(probe)")
                    let expected = first.flatMap { $0.value.isNull ? nil : $0.value.index }
                    #expect(mapping[probe]?.index == expected, "lookup \(probe) in mapping \(index)")
                }
            }
        }
        #expect(mappings == 4)
        #expect(YAMLMapping.empty()["a"] == nil && !YAMLMapping.empty().hasKey(""))
    }

    private static let staticProbes: [StaticString] = ["a", "ab", "abc", "abcd", "", "name", "na", "café", "cafe\u{301}", "b",
                                                       "x", "y", "z", "\"q\"", "\u{1F600}", "B", "nam", "namee"]

    /// Strings with an escape, a non-ASCII character or a forbidden byte at every position of
    /// the first words (where the word-at-a-time run ends) read as the byte-by-byte reading did.
    @Test func plainStringRunsEndWhereTheBytewiseReadingEnds() throws {
        let specials: [(json: String, text: String?)] = [
            (#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\/"#, "/"), (#"\u00e9"#, "é"), (#"\ud83d\ude00"#, "\u{1F600}"),
            ("é", "é"), ("\u{1F600}", "\u{1F600}"), ("\u{7F}", "\u{7F}"), ("~", "~"),
            ("\u{01}", nil), ("\t", nil), (#"\x"#, nil), (#"\u12"#, nil), (#"\udc00"#, nil),
        ]
        for special in specials {
            for before in 0..<20 {
                let prefix = String(repeating: "é", count: before % 3) + String(repeating: "b", count: before)
                // The run after the special is no hex digit: `\u12` stays a short escape.
                let value = prefix + special.json + String(repeating: "z", count: 19 - before)
                let text = #"{"k": ""# + value + #""}"#
                do {
                    let documents = try Self.read(text)
                    let string = documents.tree.withView { YAMLValue(tree: $0, index: $0.child(0, 1)).text }
                    #expect(special.text != nil, "\(text) should not read")
                    #expect(string == prefix + (special.text ?? "") + String(repeating: "z", count: 19 - before), "\(text)")
                } catch let error as ManifestError {
                    #expect(special.text == nil, "\(text): \(error)")
                    // The column of the offending character (7 characters precede the value).
                    #expect(error.line == 1 && error.column == 8 + prefix.count, "\(text): \(error)")
                }
            }
        }
    }

    /// A repeated key anywhere in a mapping of up to seven pairs is found, reported with the
    /// first occurrence's place; mappings without one pass.
    @Test func repeatedKeysAreFoundAtEveryPosition() throws {
        for size in 1...7 {
            let plain = (0..<size).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
            #expect(try Self.read("{" + plain + "}").duplicateKeys == nil)
            for first in 0..<size {
                for second in (first + 1)..<max(first + 1, size) {
                    var keys = (0..<size).map { "k\($0)" }
                    keys[second] = keys[first]
                    let body = keys.enumerated().map { "\"\($0.element)\": \($0.offset)" }.joined(separator: ", ")
                    let duplicates = try Self.read("{" + body + "}").duplicateKeys
                    let column = 2 + keys[..<first].reduce(0) { $0 + $1.utf8.count + 2 + 2 + 1 + 2 }
                    #expect(duplicates?.error.keys == ["k\(first)"], "\(body)")
                    #expect(duplicates?.error.mark == SourceMark(line: 1, column: column), "\(body)")
                }
            }
        }
        // Two repeated keys: both, sorted, with the place of the first of them in that order.
        let two = try Self.read(#"{"b": 1, "a": 1, "b": 2, "a": 2}"#).duplicateKeys
        #expect(two?.error.keys == ["a", "b"] && two?.error.mark == SourceMark(line: 1, column: 10))
        // Keys that differ only in being escaped are the same key.
        #expect(try Self.read(#"{"name": 1, "na\u006de": 2}"#).duplicateKeys?.error.keys == ["name"])
    }

    private static func slice(_ endpoints: String, addressType: String = "IPv4") -> String {
        #"{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "s", "labels": {"kubernetes.io/service-name": "a"}}, "addressType": ""#
            + addressType + #"", "endpoints": "# + endpoints + "}"
    }

    private static func load(_ text: String) -> Result<[Endpoint], ManifestError> {
        do {
            let state = try ManifestLoader.load(sources: [ManifestSource(name: "s.json", text: text)]).state
            return .success(state.endpointSlices.flatMap(\.endpoints))
        } catch let error as ManifestError {
            return .failure(error)
        } catch {
            return .failure(ManifestError(file: "", message: "\(error)"))
        }
    }

    /// Endpoints keep their first address, every address is checked in order, FQDN endpoints
    /// are dropped, and errors name the item.
    @Test func endpointListsKeepWhatTheyDecode() throws {
        let two = try Self.load(Self.slice(#"[{"addresses": ["10.0.0.1", "10.0.0.2"]}, {"addresses": ["10.0.0.3"]}]"#)).get()
        #expect(two.map(\.addressText) == ["10.0.0.1", "10.0.0.3"])
        #expect(two.map(\.address) == [IPAddress("10.0.0.1")!, IPAddress("10.0.0.3")!])
        #expect(try Self.load(Self.slice(#"[{"addresses": ["a.example"]}]"#, addressType: "FQDN")).get().isEmpty)
        #expect(try Self.load(Self.slice("null")).get().isEmpty)
        func message(_ endpoints: String, addressType: String = "IPv4") -> String {
            switch Self.load(Self.slice(endpoints, addressType: addressType)) {
            case .success: return "no error"
            case .failure(let error): return "\(error.field): \(error.message)"
            }
        }
        #expect(message(#"[{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.1", "x"]}]"#)
            == #"endpoints[1].addresses[1]: "x" is not a valid IP address"#)
        #expect(message(#"[{"addresses": ["fd00::1"]}]"#) == "endpoints[0].addresses[0]: fd00::1 is not an IPv4 address (addressType is IPv4)")
        // Every address is read as a string before any is parsed.
        #expect(message(#"[{"addresses": ["x", {}]}]"#) == "endpoints[0].addresses[1]: expected a string, got a mapping")
        #expect(message(#"[{"addresses": ["x", 1]}]"#) == #"endpoints[0].addresses[0]: "x" is not a valid IP address"#)
        #expect(message(#"[{"addresses": []}]"#, addressType: "FQDN") == "endpoints[0].addresses: must contain at least one address")
        #expect(message(#""x""#) == "endpoints: expected a list, got a string")
        #expect(message(#"[{"addresses": ["10.0.0.1"]}, null]"#) == "endpoints[1]: expected a mapping, got null")
        // Fields are read in their order whatever order the input gives them in.
        #expect(message(#"[{"zone": {}, "nodeName": [], "addresses": ["10.0.0.1"]}]"#) == "endpoints[0].nodeName: expected a string, got a list")
        #expect(message(#"[{"zone": {}, "nodeName": [], "addresses": ["x"]}]"#) == #"endpoints[0].addresses[0]: "x" is not a valid IP address"#)
        #expect(message(#"[{"nodeName": [], "addresses": ["a.example"]}]"#, addressType: "FQDN") == "no error")
    }

    /// A label key's prefix ends at its first "/" character: a byte search for ASCII keys, the
    /// search by Character (where "/" with a combining mark is another character) otherwise.
    @Test func labelKeyPrefixesEndAtTheFirstSlashCharacter() {
        #expect(NameRules.labelKeyProblem("kubernetes.io/service-name") == nil)
        #expect(NameRules.labelKeyProblem("a/") == "name part must not be empty")
        #expect(NameRules.labelKeyProblem("Bad_/x") == "prefix \(quoted("Bad_")) must be a DNS subdomain")
        #expect(NameRules.labelKeyProblem("x/\u{301}y/z") == "prefix \(quoted("x/\u{301}y")) must be a DNS subdomain")
        #expect(NameRules.labelKeyProblem("é/x") == "prefix \(quoted("é")) must be a DNS subdomain")
        #expect(NameRules.labelKeyProblem("a/b/c") != nil)
    }

    /// YAML 1.1 integers with every prefix: the byte-wise prefix test reads what the spelled-out
    /// rules give.
    @Test func integerPrefixes() {
        let cases: [(String, Int?)] = [
            ("0", 0), ("00", 0), ("7", 7), ("0x1F", 31), ("0X1f", 31), ("0x", nil), ("0X", nil), ("0o17", 15), ("0o", nil),
            ("017", 15), ("08", nil), ("-0x10", -16), ("+017", 15), ("-0", 0), ("1_000", 1000), ("0b1", nil), ("x1", nil),
            ("o17", nil), ("0O17", nil), ("", nil), ("-", nil), ("12a", nil),
        ]
        for (text, expected) in cases {
            #expect(YAMLValue.integer(text) == expected, "\(text)")
        }
    }
}
