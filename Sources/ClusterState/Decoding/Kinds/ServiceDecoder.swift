import NetworkAddresses

/// Decodes a v1 Service, applying the API server's defaults and the validation that matters
/// for the packet path.
enum ServiceDecoder {
    static func decode(_ root: YAMLMapping) throws -> Service {
        let metadata = try MetadataDecoder.decode(root, namespaced: true) { NameRules.dns1035LabelProblem($0) }
        let spec = try root.mapping("spec") ?? YAMLMapping.empty()
        var service = try within("spec") { try decodeSpec(spec, metadata: metadata) }
        if service.type != .externalName, let status = try root.mapping("status") {
            service.loadBalancerIngress = try within("status") {
                guard let loadBalancer = try status.mapping("loadBalancer") else { return [] }
                return try within("loadBalancer") { try loadBalancer.list("ingress", decodeIngress) }
            }
        }
        return service
    }

    private static func decodeSpec(_ spec: YAMLMapping, metadata: ObjectMeta) throws -> Service {
        let type = try spec.decode("type") {
            try $0.oneOf(ServiceType.self, [.clusterIP, .nodePort, .loadBalancer, .externalName])
        } ?? .clusterIP

        var service = Service(metadata: metadata, type: type)
        service.externalName = try spec.string("externalName")
        if type == .externalName {
            guard let name = service.externalName, !name.isEmpty else {
                var error = FieldError("required when type is ExternalName", at: spec.mark)
                error.path = [.key("externalName")]
                throw error
            }
            return service
        }

        try decodeClusterIPs(spec, into: &service)
        service.ports = try decodePorts(spec, type: type)
        if let selector = try spec.decode("selector", { try $0.labels() }) { service.selector = selector }
        service.externalIPs = try spec.list("externalIPs") { try $0.ipAddress() }
        service.loadBalancerSourceRanges = try spec.list("loadBalancerSourceRanges") { value in
            // kube-proxy trims whitespace around each range before parsing it.
            let text = try value.string().trimmingASCIISpaces()
            guard let prefix = IPPrefix(text) else {
                throw FieldError("\(quoted(text)) is not a valid CIDR (address/length)", at: value.mark)
            }
            return prefix
        }
        service.externalTrafficPolicy = try spec.decode("externalTrafficPolicy") {
            try $0.oneOf(TrafficPolicy.self, [.cluster, .local])
        } ?? .cluster
        service.internalTrafficPolicy = try spec.decode("internalTrafficPolicy") {
            try $0.oneOf(TrafficPolicy.self, [.cluster, .local])
        } ?? .cluster
        service.healthCheckNodePort = try spec.decode("healthCheckNodePort") { try $0.optionalPort() } ?? 0
        service.sessionAffinity = try decodeAffinity(spec)
        service.trafficDistribution = try spec.string("trafficDistribution")
        return service
    }

    /// `clusterIP`/`clusterIPs`/`ipFamilies`, checked for agreement: the first cluster IP is
    /// `clusterIP`, dual-stack IPs are of different families, and each matches its family.
    private static func decodeClusterIPs(_ spec: YAMLMapping, into service: inout Service) throws {
        let single = try spec.string("clusterIP")
        let listed = try spec.list("clusterIPs") { try $0.string() }
        let families = try spec.list("ipFamilies") { try $0.oneOf(IPFamily.self, [.ipv4, .ipv6]) }
        let texts = listed.isEmpty ? (single.map { [$0] } ?? []) : listed
        if let single, !listed.isEmpty, listed[0] != single {
            throw FieldError("clusterIPs[0] (\(quoted(listed[0]))) must equal clusterIP (\(quoted(single)))", at: spec["clusterIPs"]?.mark)
                .at(["clusterIPs", 0])
        }
        if texts.first == "None" {
            service.isHeadless = true
            return
        }
        if texts.first == "" || texts.isEmpty { return }
        guard texts.count <= 2 else {
            throw FieldError("at most two cluster IPs are allowed (one per family)", at: spec["clusterIPs"]?.mark).at(["clusterIPs"])
        }
        let fieldName = listed.isEmpty ? "clusterIP" : "clusterIPs"
        for (index, text) in texts.enumerated() {
            let path: [PathStepConvertible] = listed.isEmpty ? [fieldName] : [fieldName, index]
            let mark = listed.isEmpty ? spec["clusterIP"]?.mark : spec["clusterIPs"]?.mark
            guard let address = IPAddress(text) else {
                throw FieldError("\(quoted(text)) is not a valid IP address", at: mark).at(path)
            }
            if let problem = clusterIPProblem(address) {
                throw FieldError("\(quoted(text)) is not a valid cluster IP: \(problem)", at: mark).at(path)
            }
            if index < families.count && families[index] != address.family {
                throw FieldError("\(text) is an \(address.family.rawValue) address but ipFamilies[\(index)] is \(families[index].rawValue)",
                                 at: mark).at(path)
            }
            if let previous = service.clusterIPs.first, previous.family == address.family {
                throw FieldError("dual-stack cluster IPs must be of different families", at: mark).at(path)
            }
            service.clusterIPs.append(address)
        }
        service.ipFamilies = families.isEmpty ? service.clusterIPs.map(\.family) : families
    }

    /// Addresses the API server refuses as a cluster IP (it allocates from the service CIDR,
    /// which never holds these).
    static func clusterIPProblem(_ address: IPAddress) -> String? {
        // On the integers (every Service's address is checked; `bytes` would make an array).
        if address == .v4(0) || address == .v6(0, 0) { return "the unspecified address may not be used" }
        if address.isLoopback { return "loopback addresses may not be used" }
        // ::ffff:a.b.c.d — ten zero bytes, then two 0xFF bytes.
        if case .v6(0, let low) = address, low >> 32 == 0xFFFF {
            return "IPv4-mapped IPv6 addresses may not be used (write the IPv4 address)"
        }
        return nil
    }

    private static func decodePorts(_ spec: YAMLMapping, type: ServiceType) throws -> [ServicePort] {
        let ports = try spec.list("ports") { value -> ServicePort in
            let port = try value.mapping()
            let number = try port.required("port") { try port.decode($0) { try $0.port() } }
            let nodePort = try port.decode("nodePort") { try $0.optionalPort() } ?? 0
            if nodePort != 0 && type == .clusterIP {
                throw FieldError("may not be used when type is 'ClusterIP'", at: port["nodePort"]?.mark).at(["nodePort"])
            }
            return ServicePort(
                name: try port.string("name") ?? "",
                protocol: try port.decode("protocol") { try $0.kubeProtocol() } ?? .tcp,
                port: number,
                // The API server defaults a targetPort of 0 or "" to the port, as if left out.
                targetPort: try port.decode("targetPort") { value -> IntOrString? in
                    if case .int(0)? = value.scalar { return nil }
                    if case .string("")? = value.scalar { return nil }
                    return try value.portNumberOrName()
                } ?? nil,
                nodePort: nodePort)
        }
        let marks = spec["ports"].map { $0.items.map(\.mark) } ?? []
        var seenNames = Set<String>()
        var seenPorts = Set<String>()
        for (index, port) in ports.enumerated() {
            let mark = index < marks.count ? marks[index] : nil
            if ports.count > 1 || !port.name.isEmpty {
                if ports.count > 1 && port.name.isEmpty {
                    throw FieldError("required when the Service has more than one port", at: mark).at(["ports", index, "name"])
                }
                if let problem = NameRules.dns1123LabelProblem(port.name) {
                    throw FieldError("\(quoted(port.name)) is not a valid port name: \(problem)", at: mark).at(["ports", index, "name"])
                }
            }
            // One port has nothing to repeat (most Services have one: no sets, no key strings).
            if ports.count == 1 { continue }
            if !seenNames.insert(port.name).inserted {
                throw FieldError("duplicate port name \(quoted(port.name))", at: mark).at(["ports", index, "name"])
            }
            if !seenPorts.insert("\(port.port)/\(port.protocol.rawValue)").inserted {
                throw FieldError("duplicate port \(port.port)/\(port.protocol.rawValue)", at: mark).at(["ports", index])
            }
        }
        return ports
    }

    private static func decodeAffinity(_ spec: YAMLMapping) throws -> SessionAffinity {
        let mode = try spec.string("sessionAffinity") ?? "None"
        switch mode {
        case "None":
            return .none
        case "ClientIP":
            let timeout = try spec.mapping("sessionAffinityConfig").flatMap { config -> Int? in
                guard let clientIP = try within("sessionAffinityConfig", { try config.mapping("clientIP") }) else { return nil }
                return try within("sessionAffinityConfig") { try within("clientIP") {
                    try clientIP.decode("timeoutSeconds") { value in
                        let seconds = try value.int()
                        guard (1...86400).contains(seconds) else {
                            throw FieldError("\(seconds) is not a valid timeout (1-86400 seconds)", at: value.mark)
                        }
                        return seconds
                    }
                } }
            } ?? 10800
            return .clientIP(timeoutSeconds: timeout)
        default:
            throw FieldError("unsupported value \(quoted(mode)) (supported: None, ClientIP)", at: spec["sessionAffinity"]?.mark)
                .at(["sessionAffinity"])
        }
    }

    private static func decodeIngress(_ value: YAMLValue) throws -> LoadBalancerIngress {
        let ingress = try value.mapping()
        let ip = try ingress.decode("ip") { try $0.ipAddress() }
        let mode = try ingress.decode("ipMode") { try $0.oneOf(LoadBalancerIPMode.self, [.vip, .proxy]) }
        if mode != nil && ip == nil {
            throw FieldError("may only be set when ip is set", at: ingress["ipMode"]?.mark).at(["ipMode"])
        }
        return LoadBalancerIngress(ip: ip, hostname: try ingress.string("hostname"), ipMode: mode)
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
