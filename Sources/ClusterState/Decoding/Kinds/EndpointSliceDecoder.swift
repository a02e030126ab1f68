import NetworkAddresses

/// Decodes a discovery.k8s.io/v1 EndpointSlice.
enum EndpointSliceDecoder {
    static let serviceNameLabel = "kubernetes.io/service-name"

    static func decode(_ root: YAMLMapping) throws -> EndpointSlice {
        let metadata = try MetadataDecoder.decode(root, namespaced: true) { NameRules.dns1123SubdomainProblem($0) }
        guard let serviceName = metadata.labels[serviceNameLabel], !serviceName.isEmpty else {
            throw FieldError("the \(serviceNameLabel) label is missing: kube-proxy ignores slices without it",
                             at: root["metadata"]?.mark).at(["metadata", "labels"])
        }
        let addressType = try root.required("addressType") { key in
            try root.decode(key) { try $0.oneOf(EndpointAddressType.self, [.ipv4, .ipv6, .fqdn]) }
        }
        // FQDN endpoints are validated but dropped: kube-proxy ignores them.
        let endpoints = try root.compactList("endpoints") { try decodeEndpoint($0, addressType: addressType) }
        let ports = try root.list("ports") { value -> EndpointPort in
            let port = try value.mapping()
            let name = try port.string("name") ?? ""
            if !name.isEmpty, let problem = NameRules.dns1123LabelProblem(name) {
                throw FieldError("\(quoted(name)) is not a valid port name: \(problem)", at: port["name"]?.mark).at(["name"])
            }
            return EndpointPort(name: name,
                                protocol: try port.decode("protocol") { try $0.kubeProtocol() } ?? .tcp,
                                port: try port.decode("port") { try $0.optionalPort() })
        }
        return EndpointSlice(metadata: metadata, serviceName: serviceName, addressType: addressType,
                             endpoints: endpoints, ports: ports)
    }

    private static func decodeEndpoint(_ value: YAMLValue, addressType: EndpointAddressType) throws -> Endpoint? {
        let endpoint = try value.mapping()
        let addresses = try endpoint.list("addresses") { try $0.string() }
        guard let first = addresses.first else {
            throw FieldError("must contain at least one address", at: endpoint.mark).at(["addresses"])
        }
        guard addresses.count <= 100 else {
            throw FieldError("must contain at most 100 addresses", at: endpoint.mark).at(["addresses"])
        }
        let mark = endpoint["addresses"]?.mark
        // Every address is checked; the endpoint keeps the first.
        var firstAddress: IPAddress? = nil
        if let family = addressType.family {
            for (index, text) in addresses.enumerated() {
                guard let address = IPAddress(text) else {
                    throw FieldError("\(quoted(text)) is not a valid IP address", at: mark).at(["addresses", index])
                }
                guard address.family == family else {
                    throw FieldError("\(text) is not an \(family.rawValue) address (addressType is \(addressType.rawValue))",
                                     at: mark).at(["addresses", index])
                }
                if index == 0 { firstAddress = address }
            }
        }
        // `mapping(key)`/`list(key)` name their key in errors themselves; `within` adds only the
        // enclosing field for what is read inside.
        let conditionsMapping = try endpoint.mapping("conditions")
        let conditions = try conditionsMapping.map { conditions in
            try within("conditions") {
                EndpointConditions(ready: try conditions.bool("ready"), serving: try conditions.bool("serving"),
                                   terminating: try conditions.bool("terminating"))
            }
        } ?? EndpointConditions()
        let hints = try endpoint.mapping("hints").map { hints -> [String]? in
            guard hints["forZones"] != nil else { return nil }
            return try within("hints") {
                try hints.list("forZones") { zone in
                    let mapping = try zone.mapping()
                    return try mapping.required("name") { try mapping.string($0) }
                }
            }
        } ?? nil
        var targetPod: String? = nil
        if let reference = try endpoint.mapping("targetRef"), try reference.string("kind") == "Pod",
           let name = try reference.string("name") {
            targetPod = "\(try reference.string("namespace") ?? "")/\(name)"
        }
        guard let address = firstAddress else { return nil }
        return Endpoint(addressText: first, address: address, conditions: conditions,
                        nodeName: try endpoint.string("nodeName"), zone: try endpoint.string("zone"),
                        zoneHints: hints, targetPod: targetPod)
    }
}
