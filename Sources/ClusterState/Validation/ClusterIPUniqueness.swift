import NetworkAddresses

/// Two Services with one cluster IP: the API server's allocator refuses the second one
/// ("provided IP is already allocated"), so such input never describes a cluster.
enum ClusterIPUniqueness {
    static func check(_ services: [Service]) throws {
        // Keyed by the address itself and pointing at the owner's index: no text and no copy
        // of a Service per cluster IP (every Service of a large input passes here).
        var owners: [IPAddress: Int] = [:]
        owners.reserveCapacity(services.count)
        // By index, each Service read in place rather than copied; one hash per address.
        for position in services.indices {
            for (index, ip) in services[position].clusterIPs.enumerated() {
                guard let ownerPosition = owners.updateValue(position, forKey: ip) else { continue }
                let service = services[position]
                let owner = services[ownerPosition]
                let location = service.metadata.source
                let field = service.clusterIPs.count > 1 ? "spec.clusterIPs[\(index)]" : "spec.clusterIP"
                throw ManifestError(file: location?.file ?? "input", document: location?.document, line: location?.line,
                                    object: ObjectID(kind: "Service", namespace: service.metadata.namespace, name: service.metadata.name),
                                    field: field,
                                    message: "cluster IP \(ip) is already allocated to Service \(owner.metadata.key)"
                                        + (owner.metadata.source.map { " (\($0))" } ?? ""))
            }
        }
    }
}
