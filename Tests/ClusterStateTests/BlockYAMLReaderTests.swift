import Foundation
import Testing
@testable import ClusterState

/// BlockYAMLReader, the fast path for block-style YAML, builds exactly the tree libyaml's
/// events build, or declines: for every input below, hand-picked and generated, the
/// documents read through the fast path (with libyaml taking over where it declines) equal
/// libyaml's alone — every node's kind, style, tag, text, position — and so do the errors.
@Suite struct BlockYAMLReaderTests {
    /// What a reader made of an input: each document's nodes, then the error if any.
    struct Reading: Equatable, CustomStringConvertible {
        var documents: [String] = []
        var error: String?
        var description: String { (documents + [error ?? "(no error)"]).joined(separator: "\n") }
    }

    /// A node and everything below it, spelled out with every field the tree keeps.
    static func dump(_ view: YAMLTree.View, _ index: Int) -> String {
        let node = view.nodes[index]
        let head = "\(node.kind)\(node.plain ? "" : "'")#\(node.tag)@\(node.line):\(node.column)"
        switch node.kind {
        case .scalar: return head + view.string(index).debugDescription
        case .mapping, .sequence:
            return head + "(" + (0..<node.count).map { dump(view, view.child(index, $0)) }.joined(separator: " ") + ")"
        }
    }

    static func general(_ text: String) -> Reading {
        var text = text
        return text.withUTF8 { bytes in
            var reading = Reading()
            do {
                let reader = try YAMLEventReader(bytes)
                var tree = YAMLTree()
                while let root = try reader.nextDocument(into: &tree) {
                    reading.documents.append(tree.withView { dump($0, root) })
                }
            } catch {
                reading.error = "\(error)"
            }
            return reading
        }
    }

    /// The reading through the fast path, and how many documents it read itself.
    static func fast(_ text: String) -> (Reading, fastDocuments: Int) {
        var text = text
        return text.withUTF8 { bytes in
            var reading = Reading()
            var reader = YAMLDocumentReader(bytes)
            do {
                var tree = YAMLTree()
                while let root = try reader.nextDocument(into: &tree) {
                    reading.documents.append(tree.withView { dump($0, root) })
                }
            } catch {
                reading.error = "\(error)"
            }
            return (reading, reader.fastDocuments)
        }
    }

    /// Inputs inside the subset, with how many of their documents the fast path reads.
    static let subset: [(String, Int)] = [
        ("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: b\n", 1),
        // kubectl's layout: indentless sequences, sequences of mappings, {} and [], quotes.
        ("spec:\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n  selector:\n    app: x\nstatus:\n  loadBalancer: {}\n", 1),
        ("ports:\n- name: http\n  port: 8080\nendpoints:\n- addresses:\n  - 10.0.0.1\n  conditions:\n    ready: true\n  nodeName: n\nitems: []\n", 1),
        ("a: 'it''s'\nb: \"80\"\nc: ''\nd: \"\"\ne: 'x: y # z'\nf: \"#\"\n", 1),
        // Empty values, before a sibling, a parent's sibling, the end, and a comment.
        ("a:\nb:\n  c:\nd: 1\ne:\n", 1),
        ("a: # comment\n  b: 1\nc: # comment\nd:\n", 1),
        // Comments and blank lines anywhere; trailing comments; spaces at the ends of lines.
        ("# head\n\na: 1 # one\n  # indented comment\n\nb:   two   \nc:\n  # inside\n  - x  # x\n\n  - y\n#tail", 1),
        // Values with colons, hashes and brackets that stay plain.
        ("url: http://example.com/#frag\nkey:with:colons: v\nexpr: a[0]{b},c\nhash: a#b\n", 1),
        // Several documents, explicit and implicit, and a root sequence.
        ("a: 1\n---\nb: 2\n---\n- x\n- y: 1\n  z: 2\n", 3),
        ("---\na: 1\n---\nb:\n  - 1\n", 2),
        // Deeper nesting, more indentation, entries with more spaces after `-`.
        ("a:\n    b:\n        c:\n        -   d: 1\n            e: 2\n        -   f\n", 1),
        ("    a: 1\n    b: 2\n", 1),
        ("x:\n- a:\n  - 1\n  b: 2\n- c\n", 1),
        // Comments before the first `---`; scalars starting with an indicator and more.
        ("# a comment\n\n---\nips:\n- ::1/128\n- -1\nq: ?x\n---\n# c\nb: 1\n", 2),
        // No line break at the end.
        ("a: 1", 1),
        ("a:", 1),
    ]

    /// Inputs outside the subset: the fast path declines at the given document and libyaml
    /// reads from there, with the same result (trees or errors) as on its own.
    static let declined: [(String, Int)] = [
        ("a: &x 1\nb: *x\n", 0),
        ("a: 1\n---\nb: !!str 2\n", 1),
        ("a: 1\n---\nb: |\n  text\n", 1),
        ("a: 1\n---\nb: multi\n  line\n---\nc: 3\n", 1),
        ("a: \"esc\\tape\"\n", 0),
        ("a: {b: 1}\n", 0),
        ("a: [1]\n", 0),
        ("a: 1\r\n", 0),
        ("a: café\n", 0),
        ("a:\tb\n", 0),
        ("a: 1\na: 2\n", 0),
        ("a: 1\n---\n", 1),
        ("a: 1\n...\n", 0),
        ("--- a: 1\n", 0),
        ("%YAML 1.1\n---\na: 1\n", 0),
        ("\"a\": 1\n", 0),
        ("? a\n: 1\n", 0),
        ("- - a\n", 0),
        ("a: - 1\n", 0),
        ("plain\n", 0),
        ("", 0),
        ("# only a comment\n", 0),
        // Errors: libyaml reports them, at the same place as when it reads alone.
        ("a: 1\n---\nb: 1\n c: 2\n", 1),
        ("a: 1\n---\nb: c: d\n", 1),
        ("a: 1\n---\nb: \"open\n", 1),
        ("a: 1\n---\n- a\nb: 1\n", 1),
        ("a: 1\n---\nb:\n  - 1\n c: 2\n", 1),
        ("a: 1\n---\nb: 1\nb: 2\n---\nc: 1\n", 1),
        ("a:\n  b: 1\n c: 2\n", 0),
        ("a: 'x' y\n", 0),
        ("a: \"x\"#y\n", 0),
    ]

    @Test(arguments: subset)
    func readsTheSubsetItself(_ input: (String, Int)) {
        let (reading, fastDocuments) = Self.fast(input.0)
        #expect(reading == Self.general(input.0))
        #expect(reading.error == nil)
        #expect(fastDocuments == input.1)
    }

    @Test(arguments: declined)
    func leavesTheRestToLibyaml(_ input: (String, Int)) {
        let (reading, fastDocuments) = Self.fast(input.0)
        #expect(reading == Self.general(input.0))
        #expect(fastDocuments == input.1)
    }

    /// Every input of the libyaml front end's own tests reads the same through the fast path.
    @Test(arguments: YAMLFrontEndTests.inputs)
    func readsTheFrontEndInputs(_ text: String) {
        #expect(Self.fast(text).0 == Self.general(text))
    }

    /// Generated block YAML, and each generated input with one byte changed (a space, a
    /// colon, a dash, a quote, a hash, a line break, an indicator inserted; a byte removed): both readings
    /// agree on all of them, and the fast path reads a good share itself.
    @Test func agreesOnGeneratedAndMutatedInputs() {
        var random = SeededRandom(seed: 12)
        var fastRead = 0
        var inputs = 0
        for _ in 0..<300 {
            let text = Self.generatedDocuments(&random)
            var variants = [text]
            let bytes = Array(text.utf8)
            for _ in 0..<12 {
                var mutated = bytes
                let at = random.next(below: mutated.count + 1)
                let inserted = Array(" :-'\"#\n {}[],&*!|>%?\\\t\r@`".utf8)
                if random.next(below: 3) == 0, at < mutated.count {
                    mutated.remove(at: at)
                } else {
                    mutated.insert(inserted[random.next(below: inserted.count)], at: at)
                }
                variants.append(String(decoding: mutated, as: UTF8.self))
            }
            for variant in variants {
                let (reading, fastDocuments) = Self.fast(variant)
                let expected = Self.general(variant)
                #expect(reading == expected, "input:\n\(variant)")
                if reading != expected { return }
                fastRead += fastDocuments
                inputs += 1
            }
        }
        #expect(fastRead > inputs / 2)
    }

    /// Every YAML file of the project (reference cases, examples, fixtures, the fuzz seed
    /// corpus) reads the same through the fast path; most of their documents take it.
    @Test func readsTheProjectsYAMLFiles() throws {
        let root = FixtureFiles.directory.components(separatedBy: "/Tests/")[0]
        var files = 0, documents = 0, fastDocuments = 0
        for directory in ["golden", "examples", "Tests/ClusterStateTests/Fixtures", "Tests/Fuzz/corpus"] {
            let enumerator = FileManager.default.enumerator(atPath: root + "/" + directory)
            while let path = enumerator?.nextObject() as? String {
                guard path.hasSuffix(".yaml") || path.hasSuffix(".yml"),
                      let text = try? String(contentsOfFile: root + "/" + directory + "/" + path, encoding: .utf8) else { continue }
                let (reading, fast) = Self.fast(text)
                #expect(reading == Self.general(text), "\(directory)/\(path)")
                files += 1
                documents += reading.documents.count
                fastDocuments += fast
            }
        }
        #expect(files > 50)
        #expect(fastDocuments * 2 > documents)
    }

    /// Errors keep their file-wide document and line, in documents the fast path read and
    /// in those libyaml read after it declined (a flow mapping in document 2).
    @Test func errorsKeepTheirPlaceOnEitherPath() {
        let namespaces = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n"
        let service = "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 99999\n"
        let message = { (line: Int) in
            "f.yaml: document 3 (line \(line)): Service default/s: spec.ports[0].port: 99999 is not a valid port (1-65535)"
        }
        #expect(Self.loadError(namespaces + service) == message(16))
        // All three documents in block style: the fast path reads them all.
        let block = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n"
        #expect(Self.loadError(block + service) == message(17))
        var text = block + service
        #expect(text.withUTF8 { bytes in
            var reader = YAMLDocumentReader(bytes)
            var tree = YAMLTree()
            while (try? reader.nextDocument(into: &tree)) != nil {}
            return reader.fastDocuments
        } == 3)
    }

    static func loadError(_ text: String) -> String? {
        do {
            _ = try ManifestLoader.load(sources: [ManifestSource(name: "f.yaml", text: text)])
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// A few documents of nested mappings and sequences in kubectl's layout and its variants.
    static func generatedDocuments(_ random: inout SeededRandom) -> String {
        (0..<(1 + random.next(below: 3))).map { number in
            var text = number > 0 || random.next(below: 2) == 0 ? "---\n" : ""
            generateMapping(&random, indent: 0, depth: 0, into: &text, firstInline: false)
            return text
        }.joined()
    }

    static func scalar(_ random: inout SeededRandom) -> String {
        let choices = ["80", "true", "svc-1", "10.0.0.1", "'quoted'", "\"dq\"", "''", "a b", "x:y", "http://h/#f", "~",
                       "null", "{}", "[]", "'it''s'", "1.5", "TCP", "::1/128", "-1", "?x", "-", ":"]
        return choices[random.next(below: choices.count)]
    }

    static func generateMapping(_ random: inout SeededRandom, indent: Int, depth: Int, into text: inout String, firstInline: Bool) {
        let pad = String(repeating: " ", count: indent)
        for key in 0..<(1 + random.next(below: 4)) {
            if !(firstInline && key == 0) { text += pad }
            let name = ["name", "port", "spec", "items", "k\(key)", "kubernetes.io/name"][random.next(below: 6)] + "\(key)"
            let choice = depth >= 3 ? random.next(below: 2) : random.next(below: 6)
            switch choice {
            case 0:
                text += "\(name): \(scalar(&random))" + (random.next(below: 5) == 0 ? " # note" : "") + "\n"
            case 1:
                text += "\(name):\n"
            case 2:
                text += "\(name):\n"
                generateMapping(&random, indent: indent + 2 + random.next(below: 2) * 2, depth: depth + 1, into: &text, firstInline: false)
            case 3, 4:
                text += "\(name):\n"
                // Indentless (kubectl) or indented entries.
                let entryIndent = indent + (choice == 3 ? 0 : 2)
                generateSequence(&random, indent: entryIndent, depth: depth + 1, into: &text)
            default:
                if random.next(below: 3) == 0 { text += "\(pad)# comment\n" }
                text += "\(name): \(scalar(&random))\n"
            }
        }
    }

    static func generateSequence(_ random: inout SeededRandom, indent: Int, depth: Int, into text: inout String) {
        let pad = String(repeating: " ", count: indent)
        for _ in 0..<(1 + random.next(below: 3)) {
            let spaces = 1 + random.next(below: 2) * 2
            text += pad + "-" + String(repeating: " ", count: spaces)
            if random.next(below: 2) == 0 {
                text += scalar(&random) + "\n"
            } else {
                generateMapping(&random, indent: indent + 1 + spaces, depth: depth + 1, into: &text, firstInline: true)
            }
        }
    }
}

/// A small deterministic generator (the tests' inputs must be the same on every run).
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(below bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(max(bound, 1)))
    }
}
