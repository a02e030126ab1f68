/// Two Services with one cluster IP: the API server's allocator refuses the second one
/// ("provided IP is already allocated"), so such input never describes a cluster.
enum ClusterIPUniqueness {
    static func check(_ services: [Service]) throws {
        var owners: [String: Service] = [:]
        for service in services {
            for (index, ip) in service.clusterIPs.enumerated() {
                let key = ip.description
                guard let owner = owners[key] else {
                    owners[key] = service
                    continue
                }
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
