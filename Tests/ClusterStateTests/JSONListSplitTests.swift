import Testing
@testable import ClusterState

/// A large JSON List is read on two threads (`JSONListSplit`); wherever the second thread
/// starts, and whatever is wrong with the input, the tree and the first error must be exactly
/// those of one thread reading it all.
@Suite struct JSONListSplitTests {
    /// A `kind: List` whose strings hold braces, brackets, commas and escaped quotes (things an
    /// item-start search can mistake for structure), with lists nested at several depths.
    private func list(items: Int, pretty: Bool) -> String {
        let objects = (0..<items).map { index in
            """
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc-\(index)", "namespace": "ns", \
            "annotations": {"note": "a } ] ,{ \\" [ \\\\ é \\u00e9 x", "json": "[{\\"k\\": 1},{\\"k\\": [2]}]"}}, \
            "spec": {"clusterIP": "10.96.\(index / 250).\(index % 250 + 1)", "ports": [{"name": "a", "port": 80}, {"name": "b", "port": \(1000 + index)}], \
            "nested": [[1, 2.5e3], {"a": [true, null]}, "x,{y"]}}
            """
        }
        if pretty {
            let indented = objects.map { object in
                "        " + object.replacingOccurrences(of: ", \"", with: ",\n            \"")
            }
            return "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n" + indented.joined(separator: ",\n")
                + "\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\"resourceVersion\": \"\"}\n}\n"
        }
        return #"{"apiVersion":"v1","items":["# + objects.joined(separator: ",") + #"],"kind":"List"}"#
    }

    private enum Result: Equatable {
        case documents(nodes: [YAMLTree.Node], text: [UInt8], children: [Int], roots: [Int], duplicates: String?)
        case failure(ManifestError)
    }

    /// The read as comparable values, and where it was split.
    private func read(_ text: String, split: JSONStream.Split) -> (result: Result, splitAt: Int?) {
        do {
            let documents = try JSONStream.read(text, file: "list.json", split: split)
            let duplicates = documents.duplicateKeys.map {
                "\($0.document) \($0.error.keys) \($0.error.mark.line):\($0.error.mark.column)"
            }
            return (.documents(nodes: documents.tree.nodes, text: documents.tree.text, children: documents.tree.children,
                               roots: documents.roots, duplicates: duplicates), documents.splitAt)
        } catch let error as ManifestError {
            return (.failure(error), nil)
        } catch {
            Issue.record("unexpected error \(error)")
            return (.failure(ManifestError(file: "", message: "")), nil)
        }
    }

    /// Every byte of the input as the place the second thread starts looking from.
    @Test(arguments: [true, false])
    func everySplitPointGivesTheOnePassTree(pretty: Bool) {
        let text = list(items: 12, pretty: pretty)
        let single = read(text, split: .none)
        guard case .documents = single.result else {
            Issue.record("the generated list does not read: \(single.result)")
            return
        }
        var taken = Set<Int>()
        for near in 0..<text.utf8.count {
            let split = read(text, split: .near(near))
            #expect(split.result == single.result, "split near \(near)")
            if let at = split.splitAt { taken.insert(at) }
        }
        // The split was really taken, at item starts all over the list.
        #expect(taken.count >= 10)
    }

    /// Broken inputs (trailing commas, stray bytes, cut strings, repeated keys, bad bytes after
    /// non-ASCII text): the first error, with its line and column, or the same tree.
    @Test(arguments: [true, false])
    func brokenInputsFailAsInOnePass(pretty: Bool) {
        let valid = Array(list(items: 8, pretty: pretty).utf8)
        var random = SeededRandom(seed: pretty ? 11 : 12)
        var failures = 0, splitFailures = 0
        for round in 0..<150 {
            var bytes = valid
            let position = random.next(below: bytes.count)
            switch round % 6 {
            case 0: bytes.insert(UInt8(ascii: ","), at: position)
            case 1: bytes.remove(at: position)
            case 2: bytes[position] = UInt8(ascii: "x")
            case 3: bytes.insert(contentsOf: Array("\"é\": 1, ".utf8), at: position)
            case 4: bytes.insert(contentsOf: Array(#""name": "again", "#.utf8), at: position)
            default: bytes.insert(UInt8(ascii: "\""), at: position)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let single = read(text, split: .none)
            if case .failure = single.result { failures += 1 }
            for near in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 60)) + [position, max(0, position - 40)] {
                let split = read(text, split: .near(near))
                #expect(split.result == single.result, "round \(round), split near \(near)")
                if case .failure = split.result, split.splitAt == nil { splitFailures += 1 }
            }
        }
        #expect(failures > 50)
        #expect(splitFailures > 0)
    }

    /// A repeated key after the split is reported at its line, for its document, as without it.
    @Test func repeatedKeyAfterTheSplit() {
        let text = "{\"a\": 1}\n" + list(items: 6, pretty: true).replacingOccurrences(
            of: "\"name\": \"svc-5\"", with: "\"name\": \"svc-5\", \"name\": \"twice\"")
        let single = read(text, split: .none)
        let split = read(text, split: .near(text.utf8.count / 2))
        #expect(split.splitAt != nil)
        #expect(split.result == single.result)
        guard case .documents(_, _, _, _, let duplicates) = split.result else {
            Issue.record("expected documents, got \(split.result)")
            return
        }
        #expect(duplicates?.hasPrefix("2 [\"name\"] ") == true)
    }

    /// Large streams split by themselves; the cluster read from them is the one-pass cluster.
    @Test func largeListSplitsByItself() throws {
        let text = list(items: 2500, pretty: true)
        #expect(text.utf8.count >= ObjectCollector.parallelThreshold)
        let automatic = read(text, split: .automatic)
        #expect(automatic.splitAt != nil)
        #expect(automatic.result == read(text, split: .none).result)
        let services = try ManifestLoader.load(sources: [ManifestSource(name: "list.json", text: text)]).state.services
        #expect(services.map(\.metadata.name) == (0..<2500).map { "svc-\($0)" })
        #expect(services[2400].ports.map(\.port) == [80, 3400])
    }
}
