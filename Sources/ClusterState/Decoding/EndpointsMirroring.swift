/// What the cluster makes of legacy Endpoints. kube-proxy reads only EndpointSlices; the
/// mirroring controller turns Endpoints into slices only for a Service without a selector (and
/// not when the Endpoints are labelled `endpointslice.kubernetes.io/skip-mirror: "true"`).
/// Endpoints of a Service with a selector are the endpoints controller's output and never add
/// backends: its slices are what counts.
enum EndpointsMirroring {
    static let managedByLabel = "endpointslice.kubernetes.io/managed-by"
    static let mirroringController = "endpointslicemirroring-controller.k8s.io"

    struct Located {
        var endpoints: LegacyEndpoints
        var location: SourceLocation
    }

    /// The mirrored slices to add, and notes about Endpoints that were ignored although they
    /// disagree with the slices.
    static func resolve(_ all: [Located], services: [Service], slices: [EndpointSlice])
        -> (slices: [EndpointSlice], notes: [ManifestWarning]) {
        // Most inputs hold no Endpoints: the indexes of every Service and slice are not built.
        guard !all.isEmpty else { return ([], []) }
        var servicesByKey: [String: Service] = [:]
        for service in services { servicesByKey[service.metadata.key] = service }
        var slicesByService: [String: [EndpointSlice]] = [:]
        for slice in slices { slicesByService["\(slice.metadata.namespace)/\(slice.serviceName)", default: []].append(slice) }

        var added: [EndpointSlice] = []
        var notes: [ManifestWarning] = []
        for entry in all {
            let key = entry.endpoints.metadata.key
            // No Service: nothing mirrors them, and nothing would use them.
            guard let service = servicesByKey[key], !entry.endpoints.skipMirror else { continue }
            let existing = slicesByService[key] ?? []
            if service.selector != nil {
                if let difference = difference(entry.endpoints.slices, existing) {
                    var note = ManifestWarning(file: entry.location.file, document: entry.location.document, line: entry.location.line,
                                               message: "Endpoints \(key): ignored: Service \(key) has a selector, so kube-proxy uses "
                                                   + "only its EndpointSlices, and they differ (\(difference))")
                    note.isNote = true
                    notes.append(note)
                }
                continue
            }
            // Slices the controller already mirrored (as `kubectl get` prints them) are the same.
            if existing.contains(where: { $0.metadata.labels[managedByLabel] == mirroringController }) { continue }
            added += entry.endpoints.slices.map { slice in
                var slice = slice
                slice.metadata.source = entry.location
                return slice
            }
        }
        return (added, notes)
    }

    /// How the Endpoints' addresses and ports differ from the slices', or nil when they agree.
    private static func difference(_ legacy: [EndpointSlice], _ slices: [EndpointSlice]) -> String? {
        func endpoints(_ slices: [EndpointSlice]) -> Set<String> {
            Set(slices.flatMap { slice in
                slice.endpoints.map { "\($0.address)\($0.conditions.isReady ? "" : " (not ready)")" }
            })
        }
        func ports(_ slices: [EndpointSlice]) -> Set<String> {
            Set(slices.flatMap { $0.ports.map { "\($0.name.isEmpty ? "" : $0.name + " ")\($0.port.map(String.init) ?? "-")/\($0.protocol.rawValue)" } })
        }
        let (a, b) = (endpoints(legacy), endpoints(slices))
        var parts: [String] = []
        func list(_ items: Set<String>) -> String {
            let sorted = items.sorted()
            return sorted.prefix(5).joined(separator: ", ") + (sorted.count > 5 ? " and \(sorted.count - 5) more" : "")
        }
        if !a.subtracting(b).isEmpty { parts.append("only in the Endpoints: \(list(a.subtracting(b)))") }
        if !b.subtracting(a).isEmpty { parts.append("only in the slices: \(list(b.subtracting(a)))") }
        let (pa, pb) = (ports(legacy), ports(slices))
        if parts.isEmpty && pa != pb { parts.append("ports \(list(pa)) in the Endpoints, \(list(pb)) in the slices") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
