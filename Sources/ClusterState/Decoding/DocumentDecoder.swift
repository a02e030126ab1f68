import PairedThreads

/// An object decoded from a document, before it joins the cluster state.
enum DecodedObject {
    case service(Service)
    case endpointSlice(EndpointSlice)
    case endpoints(LegacyEndpoints)
    case pod(Pod)
    case namespace(Namespace)
    case node(Node)
    case networkPolicy(NetworkPolicy)
    case ingress(Ingress)
    case ingressClass(IngressClass)
    case nodeConfig(SettingsPatch)
    case kubeProxyConfiguration(SettingsPatch)
}

struct DecodedItem {
    let id: ObjectID
    var location: SourceLocation
    var object: DecodedObject
    /// `id`'s hash, worked out where the item is decoded (on the decoding threads): the table
    /// of every object's identity is filled on one thread (`ObjectCollector`).
    let idHash: Int

    init(id: ObjectID, location: SourceLocation, object: DecodedObject) {
        self.id = id
        self.location = location
        self.object = object
        idHash = id.hashValue
    }
}

/// What one run of documents decoded to. Document numbers are local to the run (1-based);
/// line numbers are already those of the whole file.
struct DecodedChunk {
    var items: [DecodedItem] = []
    var warnings: [ManifestWarning] = []
    var documentCount = 0
    /// The first error; decoding of the run stops there.
    var error: ManifestError?
    /// Item mode: a document whose items were decoded as read is no `kind: List` (see
    /// `JSONItemDecoding`); the run is to be decoded again from a whole tree.
    var needsTree = false

    /// Appends the items, warnings and error of a part of one List's items decoded apart, in
    /// document `document`, its lines moved down by `lineOffset`.
    mutating func append(moving part: inout DecodedChunk, document: Int, lineOffset: Int) {
        // Moved one by one (a copy retains every object's storage, and freeing the part
        // releases it again): reversed in place, then taken from the end.
        items.reserveCapacity(items.count + part.items.count)
        part.items.withUnsafeMutableBufferPointer { $0.reverse() }
        while var item = part.items.popLast() {
            item.location.document = document
            item.location.line += lineOffset
            items.append(consume item)
        }
        for var warning in part.warnings {
            warning.document = document
            warning.line += lineOffset
            warnings.append(warning)
        }
        if var failure = part.error {
            failure.document = document
            failure.line = failure.line.map { $0 + lineOffset }
            error = failure
        }
    }
}

/// Parses and decodes a run of YAML/JSON documents from one file.
struct DocumentDecoder {
    let file: String
    /// Lines of the file before the run's first line.
    let lineOffset: Int
    /// Item mode: Services and EndpointSlices of the common shape are decoded straight from
    /// the bytes (`JSONFastItem`); off in tests that compare it with the general path.
    var fastJSONItems = true

    /// Where the document being decoded sits.
    private struct DocumentContext {
        let index: Int
        let line: Int
    }

    /// Parses YAML (UTF-8 bytes) and decodes its documents.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> DecodedChunk {
        var chunk = DecodedChunk()
        do {
            var reader = YAMLDocumentReader(bytes)
            // The tree is reused per document, so a document is decoded as soon as it is read.
            var tree = YAMLTree()
            while let root = try reader.nextDocument(into: &tree) {
                chunk.documentCount += 1
                try tree.withView { view in
                    let value = YAMLValue(tree: view, index: root)
                    if value.isNull { return }
                    try decodeDocument(value, DocumentContext(index: chunk.documentCount, line: line(value.mark)), into: &chunk)
                }
            }
        } catch let error as ManifestError {
            chunk.error = error
        } catch let error as YAMLEventReader.Failure {
            chunk.error = syntaxError(error, document: chunk.documentCount + 1)
        } catch {
            chunk.error = ManifestError(file: file, document: chunk.documentCount + 1, message: "YAML syntax error: \(error)")
        }
        return chunk
    }

    /// Decodes documents already read into `tree` (a JSON stream's values). `duplicateKeys`: the
    /// first mapping with a repeated key, by document number, which stops decoding there.
    /// `decodedLists`: by document number, what the items of its top-level `items` list decoded
    /// to while they were read (item mode), for a document that proves a `kind: List`.
    func decode(tree: YAMLTree, roots: [Int], duplicateKeys: (document: Int, error: YAMLTree.DuplicateKeys)? = nil,
                decodedLists: [Int: DecodedChunk] = [:]) -> DecodedChunk {
        var chunk = DecodedChunk()
        do {
            try tree.withView { view in
                for root in roots {
                    if let duplicateKeys, duplicateKeys.document == chunk.documentCount + 1 {
                        throw syntaxError(.duplicateKeys(duplicateKeys.error), document: duplicateKeys.document)
                    }
                    chunk.documentCount += 1
                    let value = YAMLValue(tree: view, index: root)
                    if value.isNull { continue }
                    try decodeDocument(value, DocumentContext(index: chunk.documentCount, line: line(value.mark)),
                                       decodedItems: decodedLists[chunk.documentCount], into: &chunk)
                }
            }
        } catch let error as ManifestError {
            chunk.error = error
        } catch is NeedsTree {
            chunk.needsTree = true
        } catch {
            chunk.error = ManifestError(file: file, document: chunk.documentCount + 1, message: "\(error)")
        }
        return chunk
    }

    /// Item mode: a document's items decoded as read, but the document is no `kind: List`.
    private struct NeedsTree: Error {}

    /// Decodes one item of the top-level `items` list of document `document`, read on its own
    /// (item mode), as `decodeDocument` decodes the items of a `kind: List`: nothing after the
    /// first error.
    func decodeListItem(_ item: YAMLValue, document: Int, into part: inout DecodedChunk) {
        guard part.error == nil, !item.isNull else { return }
        do {
            try decodeDocument(item, DocumentContext(index: document, line: line(item.mark)), into: &part)
        } catch let error as ManifestError {
            part.error = error
        } catch {
            part.error = ManifestError(file: file, document: document, message: "\(error)")
        }
    }

    private func line(_ mark: SourceMark?) -> Int { (mark?.line ?? 1) + lineOffset }

    /// `inherited`: the kind and apiVersion a typed list (`ServiceList`) gives items that leave
    /// them out. `decodedItems`: what the items of the document's top-level `items` list
    /// decoded to as they were read (item mode); they stand for that list in a `kind: List`.
    private func decodeDocument(_ value: YAMLValue, _ context: DocumentContext, inherited: ObjectType? = nil,
                                decodedItems: DecodedChunk? = nil, into chunk: inout DecodedChunk) throws {
        guard value.kind == .mapping else {
            throw ManifestError(file: file, document: context.index, line: context.line,
                                message: "expected an object (a mapping with apiVersion and kind), got \(value.kindDescription)")
        }
        let root = try value.mapping()
        let kind = try wrap(context, object: nil) { () -> String in
            if let inherited, root["kind"] == nil { return inherited.kind }
            return try root.required("kind") { try root.string($0) }
        }
        let apiVersion = try wrap(context, object: nil) { () -> String in
            if let inherited, root["apiVersion"] == nil { return inherited.apiVersion }
            return try root.required("apiVersion") { try root.string($0) }
        }
        if let decodedItems {
            // Items read as a `kind: List`'s: any other kind needs them as they stand in the input.
            guard kind == "List" else { throw NeedsTree() }
            // Taken whole when nothing came before (a stream of one List): appending copies
            // every object, and dropping the list releases them again.
            if chunk.items.isEmpty { chunk.items = decodedItems.items } else { chunk.items += decodedItems.items }
            chunk.warnings += decodedItems.warnings
            if let error = decodedItems.error { throw error }
            return
        }
        // `kind: List`, or a typed list of any API group (`ServiceList`, `EndpointSliceList`, …)
        // as the API server returns a collection: its items are the objects.
        if kind == "List" || (kind.hasSuffix("List") && root.hasKey("items")) {
            let itemType = kind == "List" ? nil : ObjectType(apiVersion: apiVersion, kind: String(kind.dropLast(4)))
            let items = try wrap(context, object: nil) { try root.list("items") { $0 } }
            if items.count >= DocumentDecoder.parallelListItems {
                try decodeInHalves(items, context, inherited: itemType, into: &chunk)
                return
            }
            for item in items where !item.isNull {
                try decodeDocument(item, DocumentContext(index: context.index, line: line(item.mark)), inherited: itemType, into: &chunk)
            }
            return
        }
        guard let kindDecoder = KindDecoders.byType[ObjectType(apiVersion: apiVersion, kind: kind)] else {
            let known = KindDecoders.byType.keys.first { $0.kind == kind }
            let id = MetadataDecoder.identity(of: root, kind: kind, namespaced: true)
            let reason = known.map { "PacketPath reads \(kind) as \($0.apiVersion)" } ?? "not used by PacketPath"
            chunk.warnings.append(ManifestWarning(
                file: file, document: context.index, line: context.line,
                message: "skipping \(apiVersion) \(kind) \(id.namespace.map { "\($0)/" } ?? "")\(id.name): \(reason)"))
            return
        }
        let id = MetadataDecoder.identity(of: root, kind: kind, namespaced: kindDecoder.namespaced)
        let location = SourceLocation(file: file, document: context.index, line: context.line)
        let object = try wrap(context, object: id) { try kindDecoder.decode(root) }
        chunk.items.append(DecodedItem(id: id, location: location, object: object))
    }

    /// Lists with this many items or more are decoded in two halves on two threads: a List
    /// (`kubectl get … -o json`) is one document, which the split of large files into runs of
    /// documents cannot share out.
    static let parallelListItems = 2000

    /// Decodes the items as the loop in `decodeDocument` does, each half on its own thread;
    /// the halves are joined in order, up to the first error, so the result is the same.
    private func decodeInHalves(_ items: [YAMLValue], _ context: DocumentContext, inherited: ObjectType?,
                                into chunk: inout DecodedChunk) throws {
        let middle = items.count / 2
        nonisolated(unsafe) let halves = [items[..<middle], items[middle...]]
        let results = UnsafeMutableBufferPointer<DecodedChunk>.allocate(capacity: 2)
        results.initialize(repeating: DecodedChunk())
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let output = results
        // The same two threads as compiling, so the compile's helper half reuses the memory
        // this half freed (see PairedThreads).
        PairedThreads.run { half in
            var part = DecodedChunk()
            do {
                for item in halves[half] where !item.isNull {
                    try decodeDocument(item, DocumentContext(index: context.index, line: line(item.mark)), inherited: inherited, into: &part)
                }
            } catch let error as ManifestError {
                part.error = error
            } catch {
                part.error = ManifestError(file: file, document: context.index, message: "\(error)")
            }
            output[half] = part
        }
        for part in results {
            chunk.items += part.items
            chunk.warnings += part.warnings
            if let error = part.error { throw error }
        }
    }

    /// Turns a FieldError from inside an object into a ManifestError that names it all.
    private func wrap<T>(_ context: DocumentContext, object: ObjectID?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FieldError {
            throw ManifestError(file: file, document: context.index, line: error.mark.map { $0.line + lineOffset } ?? context.line,
                                object: object, field: error.pathText, message: error.message)
        }
    }

    private func syntaxError(_ error: YAMLEventReader.Failure, document: Int) -> ManifestError {
        switch error {
        case .syntax(let problem, let context, let mark):
            let detail = context.map { "\(problem) \($0)" } ?? problem
            return ManifestError(file: file, document: document, line: mark.line + lineOffset, column: mark.column,
                                 message: "YAML syntax error: \(detail)")
        case .duplicateKeys(let duplicates):
            return ManifestError(file: file, document: document, line: duplicates.mark.line + lineOffset,
                                 column: duplicates.mark.column,
                                 message: "duplicate key\(duplicates.keys.count == 1 ? "" : "s") in a mapping: \(duplicates.keys.joined(separator: ", "))")
        case .reader(let problem):
            return ManifestError(file: file, document: document, message: "cannot read YAML: \(problem)")
        case .outOfMemory:
            return ManifestError(file: file, document: document, message: "YAML syntax error: out of memory")
        }
    }
}

struct ObjectType: Hashable, Sendable {
    let apiVersion: String
    let kind: String
}

/// The kinds PacketPath reads, by apiVersion and kind.
enum KindDecoders {
    struct Entry: Sendable {
        let namespaced: Bool
        let decode: @Sendable (YAMLMapping) throws -> DecodedObject
    }

    static let byType: [ObjectType: Entry] = [
        ObjectType(apiVersion: "v1", kind: "Service"): Entry(namespaced: true) { .service(try ServiceDecoder.decode($0)) },
        ObjectType(apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice"):
            Entry(namespaced: true) { .endpointSlice(try EndpointSliceDecoder.decode($0)) },
        ObjectType(apiVersion: "v1", kind: "Endpoints"): Entry(namespaced: true) { .endpoints(try EndpointsDecoder.decode($0)) },
        ObjectType(apiVersion: "v1", kind: "Pod"): Entry(namespaced: true) { .pod(try PodDecoder.decode($0)) },
        ObjectType(apiVersion: "v1", kind: "Namespace"): Entry(namespaced: false) { .namespace(try NamespaceDecoder.decode($0)) },
        ObjectType(apiVersion: "v1", kind: "Node"): Entry(namespaced: false) { .node(try NodeDecoder.decode($0)) },
        ObjectType(apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy"):
            Entry(namespaced: true) { .networkPolicy(try NetworkPolicyDecoder.decode($0)) },
        ObjectType(apiVersion: "networking.k8s.io/v1", kind: "Ingress"): Entry(namespaced: true) { .ingress(try IngressDecoder.decode($0)) },
        ObjectType(apiVersion: "networking.k8s.io/v1", kind: "IngressClass"):
            Entry(namespaced: false) { .ingressClass(try IngressDecoder.decodeClass($0)) },
        ObjectType(apiVersion: "packetpath.io/v1alpha1", kind: "NodeConfig"):
            Entry(namespaced: false) { .nodeConfig(try NodeConfigDecoder.decode($0)) },
        ObjectType(apiVersion: "kubeproxy.config.k8s.io/v1alpha1", kind: "KubeProxyConfiguration"):
            Entry(namespaced: false) { .kubeProxyConfiguration(try KubeProxyConfigurationDecoder.decode($0)) },
    ]
}
