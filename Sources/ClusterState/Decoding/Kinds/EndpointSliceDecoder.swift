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

    /// The fields of an endpoint, looked up together (a slice holds up to 1,000 endpoints).
    private static let endpointFields: [StaticString] = ["addresses", "conditions", "hints", "targetRef", "nodeName", "zone"]

    /// `decode` of a field found by `YAMLMapping.withValues`: nil when absent or null, errors
    /// prefixed with the key (as `YAMLMapping.decode(key)` does).
    private static func field<T>(_ value: YAMLValue?, _ key: String, _ decode: (YAMLValue) throws -> T) throws -> T? {
        guard let value else { return nil }
        return try within(key) { try decode(value) }
    }

    private static func decodeEndpoint(_ value: YAMLValue, addressType: EndpointAddressType) throws -> Endpoint? {
        let endpoint = try value.mapping()
        return try endpoint.withValues(endpointFields) { fields in
            try decodeEndpoint(endpoint, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], addressType: addressType)
        }
    }

    private static func decodeEndpoint(_ endpoint: YAMLMapping, _ addressesField: YAMLValue?, _ conditionsField: YAMLValue?,
                                       _ hintsField: YAMLValue?, _ targetRefField: YAMLValue?, _ nodeNameField: YAMLValue?,
                                       _ zoneField: YAMLValue?, addressType: EndpointAddressType) throws -> Endpoint? {
        let addresses = try field(addressesField, "addresses") { try $0.list { try $0.string() } } ?? []
        guard let first = addresses.first else {
            throw FieldError("must contain at least one address", at: endpoint.mark).at(["addresses"])
        }
        guard addresses.count <= 100 else {
            throw FieldError("must contain at most 100 addresses", at: endpoint.mark).at(["addresses"])
        }
        let mark = addressesField?.mark
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
        let conditionsMapping = try field(conditionsField, "conditions") { try $0.mapping() }
        let conditions = try conditionsMapping.map { conditions in
            try within("conditions") {
                EndpointConditions(ready: try conditions.bool("ready"), serving: try conditions.bool("serving"),
                                   terminating: try conditions.bool("terminating"))
            }
        } ?? EndpointConditions()
        let hints = try field(hintsField, "hints") { try $0.mapping() }.map { hints -> [String]? in
            guard hints["forZones"] != nil else { return nil }
            return try within("hints") {
                try hints.list("forZones") { zone in
                    let mapping = try zone.mapping()
                    return try mapping.required("name") { try mapping.string($0) }
                }
            }
        } ?? nil
        var targetPod: String? = nil
        if let reference = try field(targetRefField, "targetRef", { try $0.mapping() }), try reference.string("kind") == "Pod",
           let name = try reference.string("name") {
            targetPod = "\(try reference.string("namespace") ?? "")/\(name)"
        }
        guard let address = firstAddress else { return nil }
        return Endpoint(addressText: first, address: address, conditions: conditions,
                        nodeName: try field(nodeNameField, "nodeName") { try $0.string() },
                        zone: try field(zoneField, "zone") { try $0.string() },
                        zoneHints: hints, targetPod: targetPod)
    }
}
