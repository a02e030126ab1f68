import Dispatch

/// Reads every source, decodes its documents (large files in two halves on two threads),
/// then joins the objects in input order: rejecting duplicates, and resolving the node
/// settings at the end.
struct ObjectCollector {
    let options: LoadOptions
    private var state = ClusterState()
    private var warnings: [ManifestWarning] = []
    private var seen: [ObjectID: SourceLocation] = [:]
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
        let results: [DecodedChunk]
        if JSONStream.looksLikeJSON(source.text) {
            // The whole stream is checked and read first: a syntax error anywhere comes before
            // what its documents hold.
            let documents = try JSONStream.read(source.text, file: source.name)
            results = [DocumentDecoder(file: source.name, lineOffset: 0)
                .decode(tree: documents.tree, roots: documents.roots, duplicateKeys: documents.duplicateKeys)]
        } else {
            let runs = DocumentRuns.split(source.text, parts: source.text.utf8.count >= ObjectCollector.parallelThreshold ? 2 : 1)
            results = ObjectCollector.decodeInParallel(runs, file: source.name)
        }
        var documentOffset = 0
        for chunk in results {
            for warning in chunk.warnings {
                var shifted = warning
                shifted.document += documentOffset
                warnings.append(shifted)
            }
            for var item in chunk.items {
                item.location.document += documentOffset
                try add(item)
            }
            if var error = chunk.error {
                error.document = error.document.map { $0 + documentOffset }
                throw error
            }
            documentOffset += chunk.documentCount
        }
    }

    /// Each run decoded on its own thread.
    private static func decodeInParallel(_ runs: [DocumentRuns.Run], file: String) -> [DecodedChunk] {
        let results = UnsafeMutableBufferPointer<DecodedChunk>.allocate(capacity: runs.count)
        results.initialize(repeating: DecodedChunk())
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let output = results
        DispatchQueue.concurrentPerform(iterations: runs.count) { index in
            output[index] = DocumentDecoder(file: file, lineOffset: runs[index].lineOffset).decode(runs[index].text)
        }
        return Array(results)
    }

    private mutating func add(_ item: DecodedItem) throws {
        let location = item.location
        if let previous = seen[item.id] {
            throw ManifestError(file: location.file, document: location.document, line: location.line, object: item.id,
                                message: "duplicate object: already defined at \(previous)")
        }
        seen[item.id] = location
        if keepsItems { keptItems.append(item) }
        // Each object remembers where it was read, for lint findings and messages.
        func located<T: HasObjectMeta>(_ object: T) -> T {
            var object = object
            object.metadata.source = location
            return object
        }
        switch item.object {
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
        resolved.endpointSlices += mirrored.slices
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

/// Splits a YAML stream into runs of whole documents that can be parsed independently.
///
/// A `---` line at column 0 always starts a document (YAML forbids it inside any scalar),
/// so cutting there is safe. Streams with directives (`%YAML`, `%TAG`) are never split,
/// since a directive belongs to the document after it.
enum DocumentRuns {
    struct Run {
        let text: String
        let lineOffset: Int
    }

    static func split(_ text: String, parts: Int) -> [Run] {
        guard parts > 1 else { return [Run(text: text, lineOffset: 0)] }
        let bytes = Array(text.utf8)
        if bytes.first == UInt8(ascii: "%") || bytes.indices.dropFirst().contains(where: { bytes[$0] == UInt8(ascii: "%") && bytes[$0 - 1] == 10 }) {
            return [Run(text: text, lineOffset: 0)]
        }
        // The document marker nearest after the middle.
        var cut = bytes.count / 2
        while cut < bytes.count {
            if bytes[cut - 1] == 10, bytes[cut...].starts(with: [45, 45, 45]),
               cut + 3 == bytes.count || [10, 13, 32, 9].contains(bytes[cut + 3]) {
                break
            }
            cut += 1
        }
        guard cut < bytes.count else { return [Run(text: text, lineOffset: 0)] }
        let firstLines = bytes[..<cut].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        return [
            Run(text: String(decoding: bytes[..<cut], as: UTF8.self), lineOffset: 0),
            Run(text: String(decoding: bytes[cut...], as: UTF8.self), lineOffset: firstLines),
        ]
    }
}
