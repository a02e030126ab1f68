import NetworkAddresses

/// Decodes v1 Pods, Namespaces and Nodes: the objects policies and node settings read.
enum PodDecoder {
    static func decode(_ root: YAMLMapping) throws -> Pod {
        let metadata = try MetadataDecoder.decode(root, namespaced: true) { NameRules.dns1123SubdomainProblem($0) }
        var pod = Pod(metadata: metadata)
        if let spec = try root.mapping("spec") {
            try within("spec") {
                pod.nodeName = try spec.string("nodeName")
                pod.hostNetwork = try spec.bool("hostNetwork") ?? false
                let containers = try spec.list("containers") { value -> [ContainerPort] in
                    let container = try value.mapping()
                    return try container.list("ports") { value in
                        let port = try value.mapping()
                        let name = try port.string("name")
                        if let name, let problem = NameRules.ianaServiceNameProblem(name) {
                            throw FieldError("\(quoted(name)) is not a valid port name: \(problem)", at: port["name"]?.mark).at(["name"])
                        }
                        return ContainerPort(name: name,
                                             containerPort: try port.required("containerPort") { try port.decode($0) { try $0.port() } },
                                             protocol: try port.decode("protocol") { try $0.kubeProtocol() } ?? .tcp)
                    }
                }
                pod.containerPorts = containers.flatMap { $0 }
            }
        }
        if let status = try root.mapping("status") {
            try within("status") {
                pod.phase = try status.string("phase")
                let listed = try status.list("podIPs") { value -> IPAddress in
                    let entry = try value.mapping()
                    return try entry.required("ip") { try entry.decode($0) { try $0.ipAddress() } }
                }
                let single = try status.decode("podIP") { try $0.ipAddress() }
                if let single, let first = listed.first, first != single {
                    throw FieldError("podIPs[0] (\(first)) must equal podIP (\(single))", at: status["podIPs"]?.mark).at(["podIPs", 0])
                }
                pod.podIPs = listed.isEmpty ? (single.map { [$0] } ?? []) : listed
            }
        }
        return pod
    }
}

enum NamespaceDecoder {
    static func decode(_ root: YAMLMapping) throws -> Namespace {
        var metadata = try MetadataDecoder.decode(root, namespaced: false) { NameRules.dns1123LabelProblem($0) }
        // The API server always sets this label; selectors rely on it.
        metadata.labels["kubernetes.io/metadata.name"] = metadata.name
        return Namespace(metadata: metadata)
    }
}

enum NodeDecoder {
    static func decode(_ root: YAMLMapping) throws -> Node {
        let metadata = try MetadataDecoder.decode(root, namespaced: false) { NameRules.dns1123SubdomainProblem($0) }
        var node = Node(metadata: metadata)
        if let spec = try root.mapping("spec") {
            try within("spec") {
                let listed = try spec.list("podCIDRs") { try $0.ipPrefix() }
                let single = try spec.decode("podCIDR") { try $0.ipPrefix() }
                node.podCIDRs = listed.isEmpty ? (single.map { [$0] } ?? []) : listed
            }
        }
        if let status = try root.mapping("status") {
            try within("status") {
                let addresses = try status.list("addresses") { value -> (String, String) in
                    let entry = try value.mapping()
                    return (try entry.string("type") ?? "", try entry.required("address") { try entry.string($0) })
                }
                // InternalIPs first, then ExternalIPs: kube-proxy's choice of node IP.
                for wanted in ["InternalIP", "ExternalIP"] {
                    for (index, (type, text)) in addresses.enumerated() where type == wanted {
                        guard let address = IPAddress(text) else {
                            throw FieldError("\(quoted(text)) is not a valid IP address", at: status["addresses"]?.mark)
                                .at(["addresses", index, "address"])
                        }
                        node.addresses.append(address)
                    }
                }
            }
        }
        return node
    }
}
