import Testing
import Yams
@testable import ClusterState

/// The YAML front end reads exactly what the Yams composer it replaced read: for each input
/// below, every node's kind, scalar text, style (plain or quoted) and position match Yams'
/// tree, and where Yams refused the input the front end refuses it at the same place.
@Suite struct YAMLFrontEndTests {
    /// A node as both trees can spell it.
    indirect enum Shape: Equatable, CustomStringConvertible {
        case scalar(String, plain: Bool, line: Int, column: Int)
        case mapping([(Shape, Shape)], line: Int, column: Int)
        case sequence([Shape], line: Int, column: Int)

        static func == (a: Shape, b: Shape) -> Bool { a.description == b.description }

        var description: String {
            switch self {
            case .scalar(let text, let plain, let line, let column):
                return "\(plain ? "plain" : "quoted")(\(text.debugDescription))@\(line):\(column)"
            case .mapping(let pairs, let line, let column):
                return "{@\(line):\(column) " + pairs.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
            case .sequence(let items, let line, let column):
                return "[@\(line):\(column) " + items.map(\.description).joined(separator: ", ") + "]"
            }
        }
    }

    /// Where reading stopped.
    struct Stop: Error, Equatable {
        let line: Int
        let column: Int
    }

    static func shape(_ node: Yams.Node) -> Shape {
        let mark = node.mark!
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string, plain: scalar.style == .plain || scalar.style == .any, line: mark.line, column: mark.column)
        case .mapping(let mapping):
            return .mapping(mapping.map { (shape($0.key), shape($0.value)) }, line: mark.line, column: mark.column)
        case .sequence(let sequence):
            return .sequence(sequence.map(shape), line: mark.line, column: mark.column)
        case .alias:
            Issue.record("Yams returned an unresolved alias")
            return .scalar("", plain: true, line: 0, column: 0)
        }
    }

    static func shape(_ value: YAMLValue) -> Shape {
        let mark = value.mark!
        switch value.kind {
        case .scalar:
            return .scalar(value.text!, plain: value.tree.nodes[value.index].plain, line: mark.line, column: mark.column)
        case .mapping:
            let tree = value.tree
            let pairs = (0..<tree.nodes[value.index].count / 2).map { pair in
                (shape(YAMLValue(tree: tree, index: tree.child(value.index, 2 * pair))),
                 shape(YAMLValue(tree: tree, index: tree.child(value.index, 2 * pair + 1))))
            }
            return .mapping(pairs, line: mark.line, column: mark.column)
        case .sequence:
            return .sequence(value.items.map(shape), line: mark.line, column: mark.column)
        }
    }

    /// Yams' documents, or the line and column of its error.
    static func yams(_ text: String) -> Result<[Shape], Stop> {
        do {
            let parser = try Parser(yaml: text, resolver: .basic)
            var documents: [Shape] = []
            while let root = try parser.nextRoot() { documents.append(shape(root)) }
            return .success(documents)
        } catch {
            switch error {
            case YamlError.scanner(_, _, let mark, _), YamlError.parser(_, _, let mark, _), YamlError.composer(_, _, let mark, _):
                return .failure(Stop(line: mark.line, column: mark.column))
            case YamlError.duplicatedKeysInMapping(_, let context):
                return .failure(Stop(line: context.mark.line, column: context.mark.column))
            default:
                return .failure(Stop(line: -1, column: -1))
            }
        }
    }

    static func frontEnd(_ text: String) -> Result<[Shape], Stop> {
        var text = text
        return text.withUTF8 { bytes -> Result<[Shape], Stop> in
            do throws(YAMLEventReader.Failure) {
                let reader = try YAMLEventReader(bytes)
                var tree = YAMLTree()
                var documents: [Shape] = []
                while let root = try reader.nextDocument(into: &tree) {
                    documents.append(tree.withView { shape(YAMLValue(tree: $0, index: root)) })
                }
                return .success(documents)
            } catch {
                switch error {
                case .syntax(_, _, let mark): return .failure(Stop(line: mark.line, column: mark.column))
                case .duplicateKeys(let duplicates): return .failure(Stop(line: duplicates.mark.line, column: duplicates.mark.column))
                default: return .failure(Stop(line: -1, column: -1))
                }
            }
        }
    }

    static let inputs: [String] = [
        // Scalars: plain words YAML 1.1 types, quoted ones it does not.
        "port: 80\nquoted: \"80\"\nsingle: '80'\nyes: yes\non: On\nnull: ~\nempty:\nbool: true\nfloat: 1.5\nhex: 0x1F\noctal: 017\n",
        "a: -12_000\nb: +1\nc: .inf\nd: 1e3\ne: 99999999999999999999999\nf: y\ng: 'it''s'\nh: \"tab\\there \\u00e9 \\x41\"\n",
        // Block scalars, with chomping and indentation indicators.
        "literal: |\n  line one\n  line two\n\nfolded: >\n  folded\n  text\n\n  para\nstrip: |-\n  x\nkeep: |+\n  y\n\nindent: |2\n    deeper\n",
        // Flow style, nested, compact sequences of mappings, comments everywhere.
        "# a comment\nflow: {a: 1, b: [x, \"y\", 'z'], c: {}}  # trailing\nseq:\n- a: 1\n  b: 2\n- - nested\n  - list\n- []\n",
        "{apiVersion: v1, kind: Namespace, metadata: {name: a}}\n",
        // Multi-line plain and quoted scalars, colons and hashes inside values.
        "text: this is\n  a long plain\n  scalar\nurl: http://example.com/#frag\nq: \"multi\n  line\"\nkey with spaces: v\n",
        // Anchors and aliases (also into a later document, as Yams resolved them), merge keys.
        "base: &b {port: 80}\nother: *b\nlist: &l [1, 2]\nagain: *l\nscalar: &s text\nref: *s\nmerged:\n  <<: *b\n  name: x\n",
        "a: &x 1\n---\nb: *x\n",
        // Documents: markers, empty ones, document end, directives.
        "---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n...\n---\nc: 3\n",
        "%YAML 1.1\n---\na: 1\n",
        "",
        "# nothing but a comment\n",
        // Tags (ignored by the typing, kept for duplicate keys), complex keys, CRLF, unicode.
        "a: !!str 80\nb: !!int \"80\"\nc: !custom x\n",
        "? [a, b]\n: complex\n? {k: v}\n: also\n",
        "a: 1\r\nb: two\r\nc:\r\n  - x\r\n",
        "name: café 😀\nlabels: {ключ: значение}\n",
        "    indented: root\n    second: 2\n",
        "- top\n- level\n- list\n",
        "plain scalar document\n",
        // Errors: where Yams stopped, the front end stops.
        "a: 1\n b: 2\n",
        "a: \"unclosed\n",
        "a: *nowhere\n",
        "a: 1\nb: 2\na: 3\n",
        "x: 1\ny: {k: 1, k: 2}\n",
        "a: 1\n\tb: 2\n",
        "a: b: c\n",
        "- a\nb: 1\n",
        "a: [1, 2\n",
        "'quoted key': 1\nquoted key: 2\n",
    ]

    @Test(arguments: inputs)
    func readsWhatYamsRead(_ text: String) {
        let expected = Self.yams(text)
        let actual = Self.frontEnd(text)
        switch (expected, actual) {
        case (.success(let expected), .success(let actual)):
            #expect(actual.map(\.description) == expected.map(\.description))
        case (.failure(let expected), .failure(let actual)):
            #expect(actual == expected)
        default:
            Issue.record("Yams: \(expected), front end: \(actual)")
        }
    }

    static let jsonInputs: [String] = [
        "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"n\": 80, \"s\": \"80\", \"t\": true, \"z\": null, \"f\": -1.5e3}",
        "{\n  \"a\": [1, \"two\", {\"b\": []}, {}],\n  \"esc\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9\\u0041\",\n  \"e\": \"\"\n}\n",
        "{\"b\": [true, false, [[]], {\"x\": {\"y\": [0, -0, 12]}}],\n\n \"c\": {\"d\": \"é 😀\"}}\n",
        "{\"a\": 1, \"b\": 2, \"a\": 3}",
    ]

    /// JSON read by its own scanner gives the tree the YAML parser gave the same text (one
    /// object each: the YAML parser read a stream's objects one at a time).
    @Test(arguments: jsonInputs)
    func jsonReadsAsYAMLDid(_ text: String) throws {
        let documents = try JSONStream.read(text, file: "t.json")
        let actual = documents.tree.withView { view in documents.roots.map { Self.shape(YAMLValue(tree: view, index: $0)) } }
        switch Self.yams(text) {
        case .success(let expected):
            #expect(documents.duplicateKeys == nil)
            #expect(actual.map(\.description) == expected.map(\.description))
        case .failure(let mark):
            #expect(documents.duplicateKeys?.error.mark == SourceMark(line: mark.line, column: mark.column))
        }
    }
}
