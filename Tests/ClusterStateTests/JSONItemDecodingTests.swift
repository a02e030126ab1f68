import Foundation
import Testing
@testable import ClusterState

/// JSON Lists are decoded item by item as they are read (`JSONItemDecoding`); wherever the
/// second thread starts, whatever the kind turns out to be and whatever is wrong with the
/// input, the objects, warnings and first error must be exactly those of decoding one tree of
/// the whole stream.
@Suite struct JSONItemDecodingTests {
    /// Services and EndpointSlices, a skipped kind, a null item, a nested List and a Namespace,
    /// with `kind` after `items` as kubectl prints it, followed by one more document.
    private func stream(items: Int, listKind: String = "List", itemsFirst: Bool = true) -> String {
        let objects = (0..<items).map { index -> String in
            switch index % 7 {
            case 0:
                return """
                    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc-\(index)", "namespace": "ns", \
                    "labels": {"app": "a\(index)"}}, "spec": {"clusterIP": "10.96.\(index / 250).\(index % 250 + 1)", \
                    "ports": [{"name": "a", "port": 80, "targetPort": 8080}, {"name": "b", "port": \(1000 + index), "protocol": "UDP"}], \
                    "selector": {"app": "a\(index)"}}}
                    """
            case 1:
                return """
                    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "svc-\(index - 1)-x", \
                    "namespace": "ns", "labels": {"kubernetes.io/service-name": "svc-\(index - 1)"}}, "addressType": "IPv4", \
                    "ports": [{"name": "a", "port": 8080}], "endpoints": [{"addresses": ["10.1.\(index / 250).\(index % 250 + 1)"], \
                    "conditions": {"ready": true}, "nodeName": "n\(index)"}, {"addresses": ["10.2.0.\(index % 250 + 1)"], \
                    "conditions": {"ready": false, "serving": true}}]}
                    """
            case 2: return #"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d\#(index)", "namespace": "é"}}"#
            case 3: return "null"
            case 4:
                return #"{"kind": "List", "apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n\#(index)"}}]}"#
            case 5: return #"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p\#(index)", "namespace": "ns", "labels": {"x": "y"}}, "status": {"podIP": "10.3.0.\#(index % 250 + 1)"}}"#
            default:
                return #"{"metadata": {"name": "svc-\#(index)", "namespace": "ns2"}, "kind": "Service", "apiVersion": "v1", "spec": {"type": "ClusterIP", "ports": [{"port": 81}]}}"#
            }
        }
        let items = "\"items\": [\n        " + objects.joined(separator: ",\n        ") + "\n    ]"
        let head = "\"apiVersion\": \"v1\",\n    \"kind\": \"\(listKind)\""
        let fields = itemsFirst ? "\(items),\n    \(head)" : "\(head),\n    \(items)"
        return "{\n    \(fields),\n    \"metadata\": {\"resourceVersion\": \"\"}\n}\n"
            + #"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "last"}}"# + "\n"
    }

    /// A decoded chunk as a comparable text: every object with its identity and location,
    /// every warning, the error.
    private func outcome(_ text: String, itemMode: Bool, split: JSONStream.Split) -> String {
        do {
            let chunk: DecodedChunk
            if itemMode {
                chunk = try JSONItemDecoding.decode(text, file: "list.json", split: split)
            } else {
                let documents = try JSONStream.read(text, file: "list.json", split: split)
                chunk = DocumentDecoder(file: "list.json", lineOffset: 0)
                    .decode(tree: documents.tree, roots: documents.roots, duplicateKeys: documents.duplicateKeys)
            }
            #expect(!chunk.needsTree)
            let items = chunk.items.map { "\($0.id) \($0.location) \(describe($0.object))" }
            return (items + chunk.warnings.map(\.description) + ["documents \(chunk.documentCount)", "\(String(describing: chunk.error))"])
                .joined(separator: "\n")
        } catch {
            return "thrown \(error)"
        }
    }

    /// Objects compared by value (their dictionaries print in no fixed order).
    private func describe(_ object: DecodedObject) -> String {
        switch object {
        case .service(let service): return "service \(service.hashValue) \(service.ports)"
        case .endpointSlice(let slice): return "slice \(slice.hashValue) \(slice.endpoints.map(\.addressText))"
        case .pod(let pod): return "pod \(pod.hashValue)"
        case .namespace(let namespace): return "namespace \(namespace.hashValue) \(namespace.metadata.name)"
        default: return "\(object)"
        }
    }

    /// Every byte of the input as the place the second thread starts looking from, with `kind`
    /// before and after `items`.
    @Test(arguments: [true, false])
    func everySplitPointDecodesAsTheWholeTree(itemsFirst: Bool) throws {
        let text = stream(items: 14, itemsFirst: itemsFirst)
        let expected = outcome(text, itemMode: false, split: .none)
        #expect(expected.contains("svc-13") && expected.contains("Deployment") && expected.hasSuffix("nil"))
        // Item mode really decoded the items as read.
        let documents = try JSONStream.read(text, file: "list.json", split: .none,
                                            itemDecoder: DocumentDecoder(file: "list.json", lineOffset: 0))
        #expect(documents?.decodedLists[1]?.items.count == 10)
        for near in 0..<text.utf8.count {
            #expect(outcome(text, itemMode: true, split: .near(near)) == expected, "split near \(near)")
        }
    }

    /// A typed list (its items may leave out their kind) and another kind with an `items` list
    /// are read again as a tree: the same objects and errors.
    @Test func otherKindsWithItemsDecodeAsTheWholeTree() {
        let typed = stream(items: 7, listKind: "ServiceList")
        let inherited = #"{"apiVersion": "v1", "kind": "ServiceList", "items": [{"metadata": {"name": "s", "namespace": "ns"}, "spec": {"ports": [{"port": 80}]}}]}"#
        let service = #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "items": [1, {"a": 2}], "spec": {"ports": [{"port": 80}]}}"#
        let unknown = #"{"apiVersion": "v1", "kind": "Thing", "items": [{"kind": "Service"}]}"#
        for text in [typed, inherited, service, unknown] {
            let expected = outcome(text, itemMode: false, split: .none)
            #expect(outcome(text, itemMode: true, split: .none) == expected)
            for near in stride(from: 0, to: text.utf8.count, by: 7) {
                #expect(outcome(text, itemMode: true, split: .near(near)) == expected, "split near \(near) of \(text.prefix(60))")
            }
        }
        #expect(outcome(inherited, itemMode: true, split: .none).contains("Service ns/s"))
    }

    /// Broken inputs — bad values in items, a missing kind, repeated keys, syntax errors before
    /// and after a decoding error: the same objects before the first error, and that error.
    @Test func brokenInputsFailAsTheWholeTree() {
        let valid = stream(items: 14)
        let breaks: [(String, String)] = [
            (#""port": 80,"#, #""port": "80","#), (#""10.1.0.2""#, #""10.1.0.999""#), (#""kind": "Pod", "#, ""),
            (#""name": "svc-7""#, #""name": "svc-7", "name": "again""#), (#""kind": "List","#, #""kind": "List",,"#),
            (#""ready": true"#, #""ready": "yes""#), (#""protocol": "UDP""#, #""protocol": "udp""#),
            (#""name": "svc-0""#, #""name": "svc-7""#), (#""addressType": "IPv4""#, #""addressType": "IPv6""#),
            ("null", "[]"), ("null", #"{"kind": "Service"}"#), (#""ns2"}"#, #""ns2"} x"#),
        ]
        var failures = 0
        for (index, (original, replacement)) in breaks.enumerated() {
            // The first occurrence, the last, and the first together with a later syntax error.
            let ranges = [valid.range(of: original), valid.range(of: original, options: .backwards)].compactMap { $0 }
            #expect(!ranges.isEmpty, "\(original)")
            var texts = ranges.map { valid.replacingCharacters(in: $0, with: replacement) }
            if let first = texts.first { texts.append(first.replacingOccurrences(of: #""last"}}"#, with: #""last"},}"#)) }
            for text in texts {
                let expected = outcome(text, itemMode: false, split: .none)
                if !expected.hasSuffix("nil") { failures += 1 }
                for near in stride(from: 0, to: text.utf8.count, by: max(1, text.utf8.count / 40)) {
                    #expect(outcome(text, itemMode: true, split: .near(near)) == expected, "break \(index), split near \(near)")
                }
            }
        }
        #expect(failures >= 25)
    }

    /// Large streams are read on two threads by themselves; the objects are those of the tree.
    @Test func largeListDecodesAsTheWholeTree() throws {
        let text = stream(items: 6000)
        #expect(text.utf8.count >= ObjectCollector.parallelThreshold)
        let expected = outcome(text, itemMode: false, split: .none)
        #expect(outcome(text, itemMode: true, split: .automatic) == expected)
        let documents = try JSONStream.read(text, file: "list.json", itemDecoder: DocumentDecoder(file: "list.json", lineOffset: 0))
        #expect(documents?.splitAt != nil)
    }

    /// A file of a megabyte or more (checked and read on two threads, its items mostly by the
    /// fast path): the same state as from its text, and a byte that cannot be text in either
    /// half is found where it is.
    @Test func largeFilesDecodeAsText() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("json-halves-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = stream(items: 6000)
        #expect(text.utf8.count >= ObjectCollector.parallelThreshold)
        func describe(_ load: () throws -> LoadedCluster) -> String {
            do {
                let loaded = try load()
                return "\(loaded.state.services.map(\.metadata)) \(loaded.state.endpointSlices.map(\.metadata)) \(loaded.warnings)"
            } catch {
                return "\(error)"
            }
        }
        let path = directory.appendingPathComponent("list.json").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        let fromFile = describe { try ManifestLoader.load(paths: [path]) }
        #expect(fromFile == describe { try ManifestLoader.load(sources: [ManifestSource(name: path, text: text)]) })
        #expect(fromFile.contains("svc-5999"))
        // A control byte early in the first half and late in the second: the file's line of it.
        for name in ["svc-13", "svc-5998"] {
            let broken = text.replacingOccurrences(of: "\"\(name)\"", with: "\"\(name)\u{1}\"")
            let line = broken.prefix(upTo: broken.range(of: "\u{1}")!.lowerBound).filter { $0 == "\n" }.count + 1
            #expect(FileManager.default.createFile(atPath: path, contents: Data(broken.utf8)))
            let message = describe { try ManifestLoader.load(paths: [path]) }
            #expect(message.contains("line \(line),") && message.contains("cannot be text"), "\(message)")
        }
    }

    /// Files are decoded from the bytes read (no String is made of JSON): the same state,
    /// warnings and errors as from the text `readSource` makes, with and without a byte-order
    /// mark.
    @Test func filesReadAsBytesDecodeAsText() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("json-bytes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let valid = stream(items: 14)
        let broken = valid.replacingOccurrences(of: #""port": 80,"#, with: #""port": "80","#)
        let syntax = valid.replacingOccurrences(of: #""last"}}"#, with: #""last"},}"#)
        func describe(_ load: () throws -> LoadedCluster) -> String {
            do {
                let loaded = try load()
                return "\(loaded.state.services.map(\.metadata.key)) \(loaded.state.endpointSlices.map(\.metadata.key)) \(loaded.warnings)"
            } catch {
                return "\(error)"
            }
        }
        var outcomes: [String] = []
        for (index, text) in [valid, broken, syntax].enumerated() {
            for mark in [[], [UInt8(0xEF), 0xBB, 0xBF]] {
                let path = directory.appendingPathComponent("list\(index)-\(mark.count).json").path
                #expect(FileManager.default.createFile(atPath: path, contents: Data(mark + Array(text.utf8))))
                let fromBytes = describe { try ManifestLoader.load(paths: [path]) }
                let fromText = describe { try ManifestLoader.load(sources: [try ManifestLoader.readSource(path)]) }
                #expect(fromBytes == fromText)
                outcomes.append(fromBytes.replacingOccurrences(of: path, with: "list.json"))
            }
        }
        #expect(outcomes[0].contains("ns2/svc-13") && outcomes[0] == outcomes[1], "\(outcomes[0])")
        #expect(outcomes[2].contains("spec.ports[0].port") && outcomes[4].contains("JSON syntax error"))
    }
}
