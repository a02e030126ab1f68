/// Decodes networking.k8s.io/v1 Ingress and IngressClass with the API server's defaults
/// (pathType ImplementationSpecific) and the validation routing depends on.
enum IngressDecoder {
    static func decode(_ root: YAMLMapping) throws -> Ingress {
        let metadata = try MetadataDecoder.decode(root, namespaced: true) { NameRules.dns1123SubdomainProblem($0) }
        let spec = try root.mapping("spec") ?? YAMLMapping.empty()
        return try within("spec") {
            let className = try spec.string("ingressClassName")
            if let className {
                try within("ingressClassName") {
                    try checkName(className, { NameRules.dns1123SubdomainProblem($0) }, at: spec["ingressClassName"]?.mark)
                }
            }
            let defaultBackend = try spec.decode("defaultBackend", decodeBackend)
            let rules = try spec.list("rules", decodeRule)
            let tls = try spec.list("tls") { value -> IngressTLS in
                let entry = try value.mapping()
                let hosts = try entry.list("hosts") { try decodeHost($0) }
                return IngressTLS(hosts: hosts, secretName: try entry.string("secretName"))
            }
            if defaultBackend == nil && rules.isEmpty {
                throw FieldError("either defaultBackend or rules must be specified", at: spec.mark)
            }
            return Ingress(metadata: metadata, ingressClassName: className ?? metadata.annotations[Ingress.classAnnotation],
                           defaultBackend: defaultBackend, rules: rules, tls: tls)
        }
    }

    static func decodeClass(_ root: YAMLMapping) throws -> IngressClass {
        let metadata = try MetadataDecoder.decode(root, namespaced: false) { NameRules.dns1123SubdomainProblem($0) }
        let spec = try root.mapping("spec") ?? YAMLMapping.empty()
        let controller = try within("spec") {
            let controller = try spec.required("controller") { try spec.string($0) }
            // A domain-prefixed path such as example.com/ingress-controller.
            let parts = controller.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, NameRules.dns1123SubdomainProblem(String(parts[0])) == nil, controller.count <= 250 else {
                throw FieldError("\(quoted(controller)) is not a domain-prefixed path (like example.com/ingress-controller)",
                                 at: spec["controller"]?.mark).at(["controller"])
            }
            return controller
        }
        if let flag = metadata.annotations[IngressClass.defaultClassAnnotation], flag != "true", flag != "false" {
            throw FieldError("\(quoted(flag)) must be \"true\" or \"false\"", at: nil)
                .at(["metadata", "annotations", IngressClass.defaultClassAnnotation])
        }
        return IngressClass(metadata: metadata, controller: controller)
    }

    private static func decodeRule(_ value: YAMLValue) throws -> IngressRule {
        let rule = try value.mapping()
        let host = try rule.decode("host") { try decodeHost($0) } ?? ""
        let paths = try within("http") { () -> [IngressPath] in
            guard let http = try rule.mapping("http") else { return [] }
            let paths = try http.list("paths", decodePath)
            if paths.isEmpty { throw FieldError("required value is missing", at: http.mark).at(["paths"]) }
            return paths
        }
        return IngressRule(host: host, paths: paths)
    }

    private static func decodePath(_ value: YAMLValue) throws -> IngressPath {
        let entry = try value.mapping()
        let type = try entry.decode("pathType") {
            try $0.oneOf(IngressPathType.self, [.exact, .prefix, .implementationSpecific])
        } ?? .implementationSpecific
        let path = try entry.string("path") ?? ""
        if type != .implementationSpecific || !path.isEmpty {
            guard path.hasPrefix("/") else {
                throw FieldError("\(quoted(path)) must be an absolute path (start with /)", at: entry["path"]?.mark ?? entry.mark)
                    .at(["path"])
            }
        }
        let backend = try entry.required("backend") { try entry.decode($0, decodeBackend) }
        return IngressPath(path: path, pathType: type, backend: backend)
    }

    private static func decodeBackend(_ value: YAMLValue) throws -> IngressBackend {
        let backend = try value.mapping()
        let service = try backend.mapping("service")
        let resource = try backend.mapping("resource")
        switch (service, resource) {
        case (let service?, nil):
            return try within("service") {
                let name = try service.required("name") { try service.string($0) }
                try within("name") { try checkName(name, { NameRules.dns1035LabelProblem($0) }, at: service["name"]?.mark) }
                let port = try within("port") { () -> IngressBackend.Port in
                    guard let port = try service.mapping("port") else {
                        throw FieldError("required value is missing", at: service.mark)
                    }
                    let number = try port.decode("number") { try $0.port() }
                    let portName = try port.string("name")
                    switch (number, portName) {
                    case (let number?, nil): return .number(number)
                    case (nil, let portName?):
                        try within("name") {
                            try checkName(portName, { NameRules.dns1123LabelProblem($0) }, at: port["name"]?.mark)
                        }
                        return .name(portName)
                    case (nil, nil): throw FieldError("one of name or number is required", at: port.mark)
                    case (_?, _?): throw FieldError("name and number may not both be set", at: port.mark)
                    }
                }
                return .service(name: name, port: port)
            }
        case (nil, let resource?):
            let kind = try within("resource") { try resource.required("kind") { try resource.string($0) } }
            let name = try within("resource") { try resource.required("name") { try resource.string($0) } }
            let group = try within("resource") { try resource.string("apiGroup") } ?? ""
            return .resource("\(group.isEmpty ? "" : group + "/")\(kind) \(name)")
        case (nil, nil):
            throw FieldError("one of service or resource is required", at: backend.mark)
        case (_?, _?):
            throw FieldError("service and resource may not both be set", at: backend.mark)
        }
    }

    /// A DNS subdomain, optionally `*.` followed by one; never an IP address.
    private static func decodeHost(_ value: YAMLValue) throws -> String {
        let host = try value.string()
        let rest = host.hasPrefix("*.") ? String(host.dropFirst(2)) : host
        if let problem = NameRules.dns1123SubdomainProblem(rest) {
            throw FieldError("\(quoted(host)) is not a valid host: \(problem)", at: value.mark)
        }
        if rest.split(separator: ".").allSatisfy({ $0.allSatisfy(\.isNumber) }) {
            throw FieldError("\(quoted(host)) must be a DNS name, not an IP address", at: value.mark)
        }
        return host
    }
}
