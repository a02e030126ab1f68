import NetworkAddresses

/// Legacy v1 Endpoints, with the slices the mirroring controller would make of them; whether
/// it makes them depends on the Service (EndpointsMirroring decides once all input is read).
struct LegacyEndpoints {
    var metadata: ObjectMeta
    var slices: [EndpointSlice]
    /// Labelled `endpointslice.kubernetes.io/skip-mirror: "true"`: never mirrored.
    var skipMirror: Bool
}

/// Decodes legacy v1 Endpoints and converts them to EndpointSlices the way the mirroring
/// controller does: one slice per subset and family, `addresses` ready, `notReadyAddresses`
/// not ready, ports carried over.
enum EndpointsDecoder {
    static let skipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror"

    static func decode(_ root: YAMLMapping) throws -> LegacyEndpoints {
        let metadata = try MetadataDecoder.decode(root, namespaced: true) { NameRules.dns1123SubdomainProblem($0) }
        let subsets = try root.list("subsets") { value -> (ready: [Endpoint], notReady: [Endpoint], ports: [EndpointPort]) in
            let subset = try value.mapping()
            let ready = try subset.list("addresses") { try decodeAddress($0, ready: true) }
            let notReady = try subset.list("notReadyAddresses") { try decodeAddress($0, ready: false) }
            let ports = try subset.list("ports") { value -> EndpointPort in
                let port = try value.mapping()
                return EndpointPort(name: try port.string("name") ?? "",
                                    protocol: try port.decode("protocol") { try $0.kubeProtocol() } ?? .tcp,
                                    port: try port.required("port") { try port.decode($0) { try $0.port() } })
            }
            return (ready, notReady, ports)
        }
        var slices: [EndpointSlice] = []
        for (index, subset) in subsets.enumerated() {
            for family in IPFamily.allCases {
                let endpoints = (subset.ready + subset.notReady).filter { $0.address.family == family }
                guard !endpoints.isEmpty else { continue }
                var sliceMetadata = metadata
                sliceMetadata.name = "\(metadata.name)-subset\(index)-\(family == .ipv4 ? "v4" : "v6")"
                sliceMetadata.labels[EndpointSliceDecoder.serviceNameLabel] = metadata.name
                sliceMetadata.labels[EndpointsMirroring.managedByLabel] = EndpointsMirroring.mirroringController
                slices.append(EndpointSlice(metadata: sliceMetadata, serviceName: metadata.name,
                                            addressType: family == .ipv4 ? .ipv4 : .ipv6,
                                            endpoints: endpoints, ports: subset.ports))
            }
        }
        return LegacyEndpoints(metadata: metadata, slices: slices, skipMirror: metadata.labels[skipMirrorLabel] == "true")
    }

    private static func decodeAddress(_ value: YAMLValue, ready: Bool) throws -> Endpoint {
        let address = try value.mapping()
        let text = try address.required("ip") { try address.string($0) }
        guard let ip = IPAddress(text) else {
            throw FieldError("\(quoted(text)) is not a valid IP address", at: address["ip"]?.mark).at(["ip"])
        }
        var targetPod: String? = nil
        if let reference = try address.mapping("targetRef"), try reference.string("kind") == "Pod",
           let name = try reference.string("name") {
            targetPod = "\(try reference.string("namespace") ?? "")/\(name)"
        }
        return Endpoint(addressText: text, address: ip, conditions: EndpointConditions(ready: ready),
                        nodeName: try address.string("nodeName"), targetPod: targetPod)
    }
}
