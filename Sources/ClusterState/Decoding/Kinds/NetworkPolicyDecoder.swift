import NetworkAddresses

/// Decodes a networking.k8s.io/v1 NetworkPolicy as a user would submit it, applying the API
/// server's defaults (policyTypes, TCP) and its validation.
enum NetworkPolicyDecoder {
    static func decode(_ root: YAMLMapping) throws -> NetworkPolicy {
        let metadata = try MetadataDecoder.decode(root, namespaced: true) { NameRules.dns1123SubdomainProblem($0) }
        let spec = try root.mapping("spec") ?? YAMLMapping.empty()
        return try within("spec") {
            let podSelector = try spec.decode("podSelector", decodeSelector) ?? LabelSelector()
            let ingress = try spec.list("ingress") { try decodeRule($0, peersKey: "from") }
            let egress = try spec.list("egress") { try decodeRule($0, peersKey: "to") }
            var types = try spec.list("policyTypes") { try $0.oneOf(PolicyType.self, [.ingress, .egress]) }
            if types.isEmpty {
                // API default: Ingress always; Egress only when egress rules are given.
                types = [.ingress]
                if !egress.isEmpty { types.append(.egress) }
            }
            return NetworkPolicy(metadata: metadata, podSelector: podSelector, policyTypes: types,
                                 ingress: ingress, egress: egress)
        }
    }

    static func decodeSelector(_ value: YAMLValue) throws -> LabelSelector {
        let selector = try value.mapping()
        let expressions = try selector.list("matchExpressions") { value -> LabelSelectorRequirement in
            let expression = try value.mapping()
            let key = try expression.required("key") { try expression.string($0) }
            if let problem = NameRules.labelKeyProblem(key) {
                throw FieldError("invalid label key \(quoted(key)): \(problem)", at: expression["key"]?.mark).at(["key"])
            }
            let op = try expression.required("operator") { key in
                try expression.decode(key) {
                    try $0.oneOf(LabelSelectorRequirement.Operator.self, [.in, .notIn, .exists, .doesNotExist])
                }
            }
            let values = try expression.list("values") { try $0.strictString() }
            let needsValues = op == .in || op == .notIn
            if needsValues && values.isEmpty {
                throw FieldError("must be specified when operator is \(op.rawValue)", at: expression.mark).at(["values"])
            }
            if !needsValues && !values.isEmpty {
                throw FieldError("must be empty when operator is \(op.rawValue)", at: expression["values"]?.mark).at(["values"])
            }
            return LabelSelectorRequirement(key: key, operator: op, values: values)
        }
        return LabelSelector(matchLabels: try selector.labels("matchLabels"), matchExpressions: expressions)
    }

    private static func decodeRule(_ value: YAMLValue, peersKey: String) throws -> NetworkPolicyRule {
        let rule = try value.mapping()
        let ports = try rule.list("ports", decodePort)
        let peers = try rule.list(peersKey, decodePeer)
        return NetworkPolicyRule(peers: peers, ports: ports)
    }

    private static func decodePort(_ value: YAMLValue) throws -> NetworkPolicyPort {
        let entry = try value.mapping()
        let proto = try entry.decode("protocol") { try $0.kubeProtocol() } ?? .tcp
        let port = try entry.decode("port") { try $0.portNumberOrName() }
        let endPort = try entry.decode("endPort") { try $0.port() }
        if let endPort {
            switch port {
            case nil:
                throw FieldError("may not be specified without port", at: entry["endPort"]?.mark).at(["endPort"])
            case .string?:
                throw FieldError("may not be specified when port is a named port", at: entry["endPort"]?.mark).at(["endPort"])
            case .int(let first)?:
                if endPort < first {
                    throw FieldError("\(endPort) must be greater than or equal to port (\(first))", at: entry["endPort"]?.mark)
                        .at(["endPort"])
                }
            }
        }
        return NetworkPolicyPort(protocol: proto, port: port, endPort: endPort)
    }

    private static func decodePeer(_ value: YAMLValue) throws -> NetworkPolicyPeer {
        let entry = try value.mapping()
        let peer = NetworkPolicyPeer(
            podSelector: try entry.decode("podSelector", decodeSelector),
            namespaceSelector: try entry.decode("namespaceSelector", decodeSelector),
            ipBlock: try entry.decode("ipBlock", decodeIPBlock))
        if peer.podSelector == nil && peer.namespaceSelector == nil && peer.ipBlock == nil {
            throw FieldError("must specify a podSelector, namespaceSelector or ipBlock", at: entry.mark)
        }
        if peer.ipBlock != nil && (peer.podSelector != nil || peer.namespaceSelector != nil) {
            throw FieldError("ipBlock may not be combined with podSelector or namespaceSelector", at: entry.mark)
        }
        return peer
    }

    private static func decodeIPBlock(_ value: YAMLValue) throws -> IPBlock {
        let block = try value.mapping()
        let cidr = try block.required("cidr") { try block.decode($0) { try $0.ipPrefix() } }
        let except = try block.list("except") { try $0.ipPrefix() }
        for (index, excluded) in except.enumerated() {
            // The API requires each except to be a strict subset of cidr.
            guard excluded.family == cidr.family, cidr.contains(excluded), excluded.length > cidr.length else {
                throw FieldError("\(excluded) must be strictly within cidr \(cidr)", at: block["except"]?.mark)
                    .at(["except", index])
            }
        }
        return IPBlock(cidr: cidr, except: except)
    }
}
