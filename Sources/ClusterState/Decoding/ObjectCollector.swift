import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Reads every source, decodes its documents (large files in two halves on two threads),
/// then joins the objects in input order: rejecting duplicates, and resolving the node
/// settings at the end.
struct ObjectCollector {
    let options: LoadOptions
    private var state = ClusterState()
    private var warnings: [ManifestWarning] = []
    private var seen: [SeenID: SourceLocation] = [:]
    private var nodeConfig: SettingsPatch?
    private var kubeProxy: SettingsPatch?
    private var legacyEndpoints: [EndpointsMirroring.Located] = []
    /// Set by `ManifestLoader.decode`: the items read are also kept, to be joined later.
    var keepsItems = false
    private(set) var keptItems: [DecodedItem] = []

    init(options: LoadOptions) {
        self.options = options
    }

    /// Files smaller than this are decoded on one thread.
    static let parallelThreshold = 1 << 20

    mutating func read(_ source: ManifestSource) throws {
        if JSONStream.looksLikeJSON(source.text.utf8) {
            // The whole stream is checked and read first: a syntax error anywhere comes before
            // what its documents hold.
            try add([try JSONItemDecoding.decode(source.text, file: source.name)])
        } else {
            let runs = DocumentRuns.split(source.text, parts: source.text.utf8.count >= ObjectCollector.parallelThreshold ? 2 : 1)
            try add(ObjectCollector.decodeInParallel(runs, file: source.name))
        }
    }

    /// `read` of a file as read: a JSON stream straight from its bytes.
    mutating func read(_ input: InputFile) throws {
        guard case .utf8(let bytes, let range) = input.content,
              bytes.withUnsafeBufferPointer({ JSONStream.looksLikeJSON(UnsafeBufferPointer(rebasing: $0[range])) }) else {
            try read(input.source)
            return
        }
        try add([try bytes.withUnsafeBufferPointer {
            try JSONItemDecoding.decode(utf8: UnsafeBufferPointer(rebasing: $0[range]), file: input.name)
        }])
    }

    /// Adds what the runs of one file decoded to, in order, up to the first error.
    private mutating func add(_ results: consuming [DecodedChunk]) throws {
        // Room for every object at once: grown one doubling at a time, the table of a large
        // input is hashed again over a dozen times.
        seen.reserveCapacity(seen.count + results.reduce(0) { $0 + $1.items.count })
        // The same for the lists of the two kinds large inputs are made of (each growth copies
        // the list).
        var services = 0, slices = 0
        for index in results.indices {
            results[index].items.withUnsafeBufferPointer { items in
                for position in items.indices {
                    switch items[position].object {
                    case .service: services += 1
                    case .endpointSlice: slices += 1
                    default: break
                    }
                }
            }
        }
        state.services.reserveCapacity(state.services.count + services)
        state.endpointSlices.reserveCapacity(state.endpointSlices.count + slices)
        var documentOffset = 0
        for index in results.indices {
            for warning in results[index].warnings {
                var shifted = warning
                shifted.document += documentOffset
                warnings.append(shifted)
            }
            // The items moved out in order (reversed in place, then popped): iterating would
            // copy every object and release the list again after the last one.
            var items: [DecodedItem] = []
            swap(&items, &results[index].items)
            items.withUnsafeMutableBufferPointer { $0.reverse() }
            while var item = items.popLast() {
                item.location.document += documentOffset
                try add(consume item)
            }
            let chunk = results[index]
            if var error = chunk.error {
                error.document = error.document.map { $0 + documentOffset }
                throw error
            }
            documentOffset += chunk.documentCount
        }
    }

    /// Each run decoded on its own thread.
    private static func decodeInParallel(_ runs: [DocumentRuns.Run], file: String) -> [DecodedChunk] {
        guard var stream = runs.first?.stream else { return [] }
        let results = UnsafeMutableBufferPointer<DecodedChunk>.allocate(capacity: runs.count)
        results.initialize(repeating: DecodedChunk())
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let output = results
        stream.withUTF8 { bytes in
            nonisolated(unsafe) let bytes = bytes
            DispatchQueue.concurrentPerform(iterations: runs.count) { index in
                let run = UnsafeBufferPointer(rebasing: bytes[runs[index].range])
                output[index] = DocumentDecoder(file: file, lineOffset: runs[index].lineOffset).decode(run)
            }
        }
        return Array(results)
    }

    private mutating func add(_ item: consuming DecodedItem) throws {
        let location = item.location
        // One lookup per object: inserted, and put back when it was there before.
        let key = SeenID(id: item.id, hash: item.idHash)
        if let previous = seen.updateValue(location, forKey: key) {
            seen[key] = previous
            throw ManifestError(file: location.file, document: location.document, line: location.line, object: item.id,
                                message: "duplicate object: already defined at \(previous)")
        }
        if keepsItems { keptItems.append(copy item) }
        // The object moved out of the item (a placeholder left in its place): binding it in
        // the switch below would copy it, retaining each of its fields, then release the item's.
        var object = DecodedObject.nodeConfig(SettingsPatch())
        swap(&object, &item.object)
        // Each object remembers where it was read, for lint findings and messages.
        func located<T: HasObjectMeta>(_ object: consuming T) -> T {
            object.metadata.source = location
            return object
        }
        switch consume object {
        case .service(let service):
            state.services.append(located(service))
        case .endpointSlice(let slice):
            state.endpointSlices.append(located(slice))
        case .endpoints(let endpoints):
            legacyEndpoints.append(EndpointsMirroring.Located(endpoints: endpoints, location: location))
        case .pod(let pod):
            state.pods.append(located(pod))
        case .namespace(let namespace):
            state.namespaces.append(located(namespace))
        case .node(let node):
            state.nodes.append(located(node))
        case .networkPolicy(let policy):
            state.networkPolicies.append(located(policy))
        case .ingress(let ingress):
            state.ingresses.append(located(ingress))
        case .ingressClass(let ingressClass):
            state.ingressClasses.append(located(ingressClass))
        case .nodeConfig(let patch):
            nodeConfig = patch
        case .kubeProxyConfiguration(let patch):
            kubeProxy = patch
            warnings += patch.notes.map {
                ManifestWarning(file: location.file, document: location.document, line: location.line, message: $0)
            }
        }
    }

    mutating func finish() throws -> LoadedCluster {
        var resolved = state
        let mirrored = EndpointsMirroring.resolve(legacyEndpoints, services: state.services, slices: state.endpointSlices)
        // Only when there are any: appending even none to the copy's list copies all of it
        // (`state` still holds it).
        if !mirrored.slices.isEmpty { resolved.endpointSlices += mirrored.slices }
        if !options.allowSharedClusterIPs { try ClusterIPUniqueness.check(resolved.services) }
        let settings = try SettingsResolver(nodeConfig: nodeConfig, kubeProxy: kubeProxy, nodes: state.nodes,
                                            chosenNode: options.nodeName).resolve()
        resolved.settings = settings.settings
        var allWarnings = warnings + mirrored.notes + ServiceNotes.notes(resolved.services)
        if let note = NodeAssumptions.note(settings.unstated, state: resolved) { allWarnings.append(note) }
        return LoadedCluster(state: resolved, warnings: allWarnings)
    }

    /// The warnings of what was read so far (for `ManifestLoader.decode`).
    var readWarnings: [ManifestWarning] { warnings }

    /// Adds a file decoded earlier, as `read` would have added it (for `ManifestLoader.join`).
    mutating func add(_ file: DecodedManifest) throws {
        warnings += file.warnings
        for item in file.items { try add(item) }
    }
}

/// An object's identity with the hash its item carries: the table compares and hashes that
/// first (one integer), the names only on a match.
private struct SeenID: Hashable {
    let id: ObjectID
    let hash: Int

    static func == (a: SeenID, b: SeenID) -> Bool { a.hash == b.hash && a.id == b.id }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// Splits a YAML stream into runs of whole documents that can be parsed independently.
///
/// A `---` line at column 0 always starts a document (YAML forbids it inside any scalar),
/// so cutting there is safe. Streams with directives (`%YAML`, `%TAG`) are never split,
/// since a directive belongs to the document after it. Runs are byte ranges of the text:
/// a 16 MB input is not copied again.
enum DocumentRuns {
    struct Run {
        /// The whole stream; the run is `range` of its UTF-8 bytes.
        let stream: String
        let range: Range<Int>
        let lineOffset: Int

        var text: String {
            var stream = stream
            return stream.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
        }
    }

    static func split(_ text: String, parts: Int) -> [Run] {
        let count = text.utf8.count
        let whole = [Run(stream: text, range: 0..<count, lineOffset: 0)]
        guard parts > 1 else { return whole }
        var stream = text
        return stream.withUTF8 { bytes -> [Run] in
            if bytes.first == UInt8(ascii: "%") || containsLine(startingWith: UInt8(ascii: "%"), bytes) { return whole }
            // The document marker nearest after the middle.
            var cut = count / 2
            while cut < count {
                if bytes[cut - 1] == 10, cut + 3 <= count, bytes[cut] == 45, bytes[cut + 1] == 45, bytes[cut + 2] == 45,
                   cut + 3 == count || [10, 13, 32, 9].contains(bytes[cut + 3]) {
                    break
                }
                cut += 1
            }
            guard cut < count else { return whole }
            let firstLines = lineBreaks(UnsafeBufferPointer(rebasing: bytes[..<cut]))
            return [Run(stream: text, range: 0..<cut, lineOffset: 0), Run(stream: text, range: cut..<count, lineOffset: firstLines)]
        }
    }

    /// Whether a line after the first starts with `byte` (memchr finds the candidates).
    private static func containsLine(startingWith byte: UInt8, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var from = 1
        while from < bytes.count, let found = memchr(base + from, Int32(byte), bytes.count - from) {
            let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if bytes[index - 1] == 10 { return true }
            from = index + 1
        }
        return false
    }

    /// The number of line feeds, counted a word at a time.
    static func lineBreaks(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        var count = 0
        var index = 0
        while index + 8 <= bytes.count {
            let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self) ^ (ones &* 0x0A)
            // The high bit of each byte that was a line feed (exact: no borrow between bytes).
            count += (~(((word & low7) &+ low7) | word) & (ones &* 0x80)).nonzeroBitCount
            index += 8
        }
        while index < bytes.count {
            if bytes[index] == 10 { count += 1 }
            index += 1
        }
        return count
    }
}
