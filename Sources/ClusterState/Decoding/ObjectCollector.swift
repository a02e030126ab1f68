import Yams

/// Walks the documents of each source, dispatches objects to their decoders, and keeps what
/// is needed to reject duplicates and to resolve the node settings at the end.
struct ObjectCollector {
    private var state = ClusterState()
    private var warnings: [ManifestWarning] = []
    private var seen: [ObjectID: SourceLocation] = [:]
    private var nodeConfig: SettingsPatch?
    private var kubeProxy: SettingsPatch?

    /// Where the document being decoded sits.
    private struct DocumentContext {
        let file: String
        let index: Int
        let line: Int
    }

    mutating func read(_ source: ManifestSource) throws {
        let parser: Parser
        do {
            parser = try Parser(yaml: source.text)
        } catch {
            throw syntaxError(error, file: source.name, document: 1)
        }
        var index = 0
        while true {
            let root: YAMLNode?
            do {
                root = try parser.nextRoot()
            } catch {
                throw syntaxError(error, file: source.name, document: index + 1)
            }
            guard let root else { break }
            index += 1
            let context = DocumentContext(file: source.name, index: index, line: root.mark?.line ?? 1)
            let value = YAMLValue(node: root)
            if value.isNull { continue }
            try decodeDocument(value, context)
        }
    }

    private mutating func decodeDocument(_ value: YAMLValue, _ context: DocumentContext) throws {
        guard case .mapping(let mapping) = value.node else {
            throw ManifestError(file: context.file, document: context.index, line: context.line,
                                message: "expected an object (a mapping with apiVersion and kind), got \(value.kindDescription)")
        }
        let root = YAMLMapping(mapping: mapping)
        let kind = try documentField(root, "kind", context)
        let apiVersion = try documentField(root, "apiVersion", context)
        if kind == "List" || (kind.hasSuffix("List") && apiVersion == "v1") {
            let items: [YAMLValue] = try ObjectCollector.wrap(context, object: nil) {
                try root.list("items") { $0 }
            }
            for item in items where !item.isNull {
                let line = item.mark?.line ?? context.line
                try decodeDocument(item, DocumentContext(file: context.file, index: context.index, line: line))
            }
            return
        }
        try decodeObject(root, kind: kind, apiVersion: apiVersion, context)
    }

    private mutating func decodeObject(_ root: YAMLMapping, kind: String, apiVersion: String,
                                       _ context: DocumentContext) throws {
        guard let decoder = ObjectCollector.decoders[ObjectType(apiVersion: apiVersion, kind: kind)] else {
            let known = ObjectCollector.decoders.keys.first { $0.kind == kind }
            let id = MetadataDecoder.identity(of: root, kind: kind, namespaced: true)
            let reason = known.map { "PacketPath reads \(kind) as \($0.apiVersion)" } ?? "not used by PacketPath"
            warnings.append(ManifestWarning(file: context.file, document: context.index, line: context.line,
                                            message: "skipping \(apiVersion) \(kind) \(id.namespace.map { "\($0)/" } ?? "")\(id.name): \(reason)"))
            return
        }
        let id = MetadataDecoder.identity(of: root, kind: kind, namespaced: decoder.namespaced)
        let location = SourceLocation(file: context.file, document: context.index, line: context.line)
        if let previous = seen[id] {
            throw ManifestError(file: context.file, document: context.index, line: context.line, object: id,
                                message: "duplicate object: already defined at \(previous)")
        }
        seen[id] = location
        try ObjectCollector.wrap(context, object: id) {
            try decoder.decode(root, location, &self)
        }
    }

    /// Turns a FieldError from inside an object into a ManifestError that names it all.
    private static func wrap<T>(_ context: DocumentContext, object: ObjectID?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FieldError {
            throw ManifestError(file: context.file, document: context.index, line: error.mark?.line ?? context.line,
                                object: object, field: error.pathText, message: error.message)
        }
    }

    private func documentField(_ root: YAMLMapping, _ key: String, _ context: DocumentContext) throws -> String {
        try ObjectCollector.wrap(context, object: nil) {
            try root.required(key) { try root.string($0) }
        }
    }

    private func syntaxError(_ error: Error, file: String, document: Int) -> ManifestError {
        switch error {
        case YamlError.scanner(let context, let problem, let mark, _),
             YamlError.parser(let context, let problem, let mark, _),
             YamlError.composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return ManifestError(file: file, document: document, line: mark.line, column: mark.column,
                                 message: "YAML syntax error: \(detail)")
        case YamlError.reader(let problem, _, _, _):
            return ManifestError(file: file, document: document, message: "cannot read YAML: \(problem)")
        default:
            return ManifestError(file: file, document: document, message: "YAML syntax error: \(error)")
        }
    }

    mutating func finish() throws -> LoadedCluster {
        var resolved = state
        var notes: [String] = []
        resolved.settings = SettingsResolver(nodeConfig: nodeConfig, kubeProxy: kubeProxy, nodes: state.nodes)
            .resolve { notes.append($0) }
        var allWarnings = warnings
        allWarnings += notes.map { ManifestWarning(file: "settings", document: 0, line: 0, message: $0) }
        return LoadedCluster(state: resolved, warnings: allWarnings)
    }

    // MARK: Kinds

    private struct ObjectType: Hashable, Sendable {
        let apiVersion: String
        let kind: String
    }

    private struct KindDecoder: Sendable {
        let namespaced: Bool
        let decode: @Sendable (YAMLMapping, SourceLocation, inout ObjectCollector) throws -> Void
    }

    private static let decoders: [ObjectType: KindDecoder] = [
        ObjectType(apiVersion: "v1", kind: "Service"): KindDecoder(namespaced: true) { root, location, collector in
            var service = try ServiceDecoder.decode(root)
            service.metadata.source = location
            collector.state.services.append(service)
        },
        ObjectType(apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice"): KindDecoder(namespaced: true) { root, location, collector in
            var slice = try EndpointSliceDecoder.decode(root)
            slice.metadata.source = location
            collector.state.endpointSlices.append(slice)
        },
        ObjectType(apiVersion: "v1", kind: "Endpoints"): KindDecoder(namespaced: true) { root, location, collector in
            for var slice in try EndpointsDecoder.decode(root) {
                slice.metadata.source = location
                collector.state.endpointSlices.append(slice)
            }
        },
        ObjectType(apiVersion: "v1", kind: "Pod"): KindDecoder(namespaced: true) { root, location, collector in
            var pod = try PodDecoder.decode(root)
            pod.metadata.source = location
            collector.state.pods.append(pod)
        },
        ObjectType(apiVersion: "v1", kind: "Namespace"): KindDecoder(namespaced: false) { root, location, collector in
            var namespace = try NamespaceDecoder.decode(root)
            namespace.metadata.source = location
            collector.state.namespaces.append(namespace)
        },
        ObjectType(apiVersion: "v1", kind: "Node"): KindDecoder(namespaced: false) { root, location, collector in
            var node = try NodeDecoder.decode(root)
            node.metadata.source = location
            collector.state.nodes.append(node)
        },
        ObjectType(apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy"): KindDecoder(namespaced: true) { root, location, collector in
            var policy = try NetworkPolicyDecoder.decode(root)
            policy.metadata.source = location
            collector.state.networkPolicies.append(policy)
        },
        ObjectType(apiVersion: "packetpath.io/v1alpha1", kind: "NodeConfig"): KindDecoder(namespaced: false) { root, _, collector in
            collector.nodeConfig = try NodeConfigDecoder.decode(root)
        },
        ObjectType(apiVersion: "kubeproxy.config.k8s.io/v1alpha1", kind: "KubeProxyConfiguration"): KindDecoder(namespaced: false) { root, location, collector in
            var notes: [String] = []
            collector.kubeProxy = try KubeProxyConfigurationDecoder.decode(root) { notes.append($0) }
            collector.warnings += notes.map {
                ManifestWarning(file: location.file, document: location.document, line: location.line, message: $0)
            }
        },
    ]
}
