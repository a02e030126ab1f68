/// Services kube-proxy programs nothing (or less) for although nothing is wrong with them as
/// written: the API server would allocate what they leave out. As `kubectl create service …
/// --dry-run=client -o yaml` prints them they have no cluster IP; PacketPath, like kube-proxy,
/// programs nothing for them, and says so once per Service.
enum ServiceNotes {
    static func notes(_ services: [Service]) -> [ManifestWarning] {
        // Each Service read in place through a pointer: passed by value, every Service of a large
        // input would be copied (each of its fields retained) and released again.
        services.withUnsafeBufferPointer { services in
            services.indices.compactMap { note(services.baseAddress! + $0) }
        }
    }

    private static func note(_ service: UnsafePointer<Service>) -> ManifestWarning? {
        guard service.pointee.type != .externalName, !service.pointee.isHeadless, let text = text(service) else { return nil }
        let location = service.pointee.metadata.source
        return ManifestWarning(file: location?.file ?? "", document: location?.document ?? 0, line: location?.line ?? 0,
                               message: "Service \(service.pointee.metadata.key): \(text)", isNote: true)
    }

    private static func text(_ service: UnsafePointer<Service>) -> String? {
        if service.pointee.clusterIPs.isEmpty {
            return "spec.clusterIP: not set (the API server allocates one when the Service is created): "
                + "no rules for this Service, as kube-proxy programs none until it has one"
        }
        if service.pointee.ports.isEmpty {
            return "spec.ports: none: no rules for this Service, as kube-proxy programs none for a Service without ports"
        }
        if service.pointee.type == .nodePort {
            let ports = service.pointee.ports
            let missing = ports.indices.filter { ports[$0].nodePort == 0 }
            if let first = missing.first {
                let more = missing.count > 1 ? " (and \(missing.count - 1) more port\(missing.count > 2 ? "s" : ""))" : ""
                return "spec.ports[\(first)].nodePort: not set\(more) (the API server allocates one when the Service is created): "
                    + "no NodePort rules for it, only the cluster IP's"
            }
        }
        return nil
    }
}
