import NetworkAddresses

/// Settings one document states explicitly; unset fields leave the lower-precedence source
/// (or the default) in place.
struct SettingsPatch {
    var hostname: String?
    var ipFamily: IPFamily?
    var nodeIPs: [IPAddress]?
    var interfaceAddresses: [IPPrefix]?
    var clusterCIDRs: ClusterCIDRUpdate?
    var masqueradeMark: String?
    var masqueradeAll: Bool?
    var localhostNodePorts: Bool?
    var nodePortAddresses: [IPPrefix]?
    var nodePortAddressesPrimary: Bool?
    var conntrackTCPLiberal: Bool?
    var iptablesRandomFully: Bool?
    var nodeLabels: [String: String]?
    var featureGates: [String: Bool] = [:]
    /// Things worth a warning (settings PacketPath reads differently from the source).
    var notes: [String] = []
    var proxyMode: ProxyMode?
}

/// How a settings source changes the pod network used to tell pod traffic from other traffic.
enum ClusterCIDRUpdate {
    /// These CIDRs replace the ones of their families; other families keep theirs.
    case replaceFamilies([IPPrefix])
    /// Exactly these CIDRs (none: no local-traffic detector).
    case replaceAll([IPPrefix])
    /// The Node's pod CIDRs (kube-proxy `detectLocalMode: NodeCIDR`).
    case nodePodCIDRs
}

/// Decodes PacketPath's own `NodeConfig` (packetpath.io/v1alpha1); unknown fields are errors
/// so that a typo never silently falls back to a default.
enum NodeConfigDecoder {
    static let knownFields: Set<String> = [
        "apiVersion", "kind", "kubernetesVersion", "description", "hostname", "ipFamily", "nodeIP", "nodeIPs",
        "clusterCIDR", "masqueradeMark", "masqueradeBit", "masqueradeAll", "localhostNodePorts",
        "nodePortAddresses", "conntrackTCPLiberal", "iptablesRandomFully", "nodeLabels", "featureGates", "metadata",
    ]

    static func decode(_ root: YAMLMapping) throws -> SettingsPatch {
        try root.rejectUnknownKeys(knownFields)
        var patch = SettingsPatch()
        patch.hostname = try root.string("hostname")
        patch.ipFamily = try root.decode("ipFamily") { try $0.oneOf(IPFamily.self, [.ipv4, .ipv6]) }
        if let nodeIP = try root.decode("nodeIP", { try $0.ipAddress() }) { patch.nodeIPs = [nodeIP] }
        if root["nodeIPs"] != nil { patch.interfaceAddresses = try root.list("nodeIPs") { try $0.ipPrefix() } }
        patch.clusterCIDRs = try root.decode("clusterCIDR", decodeCIDRList).map { .replaceFamilies($0) }
        patch.masqueradeMark = try decodeMark(root)
        patch.masqueradeAll = try root.bool("masqueradeAll")
        patch.localhostNodePorts = try root.bool("localhostNodePorts")
        if root["nodePortAddresses"] != nil {
            try decodeNodePortAddresses(root, into: &patch)
        }
        patch.conntrackTCPLiberal = try root.bool("conntrackTCPLiberal")
        patch.iptablesRandomFully = try root.bool("iptablesRandomFully")
        if root["nodeLabels"] != nil { patch.nodeLabels = try root.labels("nodeLabels") }
        patch.featureGates = try root.decode("featureGates", decodeGates) ?? [:]
        if let family = patch.ipFamily {
            for (field, addresses) in [("nodeIP", patch.nodeIPs ?? []), ("clusterCIDR", (try root.decode("clusterCIDR", decodeCIDRList) ?? []).map(\.address))] {
                if let wrong = addresses.first(where: { $0.family != family }) {
                    throw FieldError("\(wrong) is not an \(family.rawValue) address but ipFamily is \(family.rawValue)",
                                     at: root[field]?.mark).at([field])
                }
            }
        }
        return patch
    }

    /// `masqueradeMark` verbatim (kube-proxy prints it as given), or `masqueradeBit` as `%#08x`.
    static func decodeMark(_ root: YAMLMapping) throws -> String? {
        if let value = root["masqueradeMark"] {
            let text: String
            if case .int? = value.scalar, let written = value.text {
                text = written
            } else {
                text = try within("masqueradeMark") { try value.string() }
            }
            let lower = text.lowercased()
            let number = lower.hasPrefix("0x") ? UInt32(lower.dropFirst(2), radix: 16) : UInt32(lower)
            guard let number, number != 0 else {
                throw FieldError("\(quoted(text)) is not a valid mark (a non-zero 32-bit number, e.g. 0x4000)", at: value.mark)
                    .at(["masqueradeMark"])
            }
            return text
        }
        return try root.decode("masqueradeBit", decodeMarkBit)
    }

    static func decodeMarkBit(_ value: YAMLValue) throws -> String {
        let bit = try value.int()
        guard (0...31).contains(bit) else { throw FieldError("\(bit) is not a valid bit (0-31)", at: value.mark) }
        return NodeSettings.masqueradeMark(bit: bit)
    }

    /// A CIDR, a comma-separated list of CIDRs (kube-proxy's dual-stack spelling), or a list.
    static func decodeCIDRList(_ value: YAMLValue) throws -> [IPPrefix] {
        if value.kind == .sequence { return try value.list { try $0.ipPrefix() } }
        let text = try value.string()
        if text.isEmpty { return [] }
        return try text.split(separator: ",").map { part in
            let trimmed = String(part).trimmingASCIISpaces()
            guard let prefix = IPPrefix(trimmed) else {
                throw FieldError("\(quoted(trimmed)) is not a valid CIDR (address/length)", at: value.mark)
            }
            return prefix
        }
    }

    static func decodeNodePortAddresses(_ root: YAMLMapping, into patch: inout SettingsPatch) throws {
        let entries = try root.list("nodePortAddresses") { try $0.string() }
        if entries == ["primary"] {
            patch.nodePortAddressesPrimary = true
            patch.nodePortAddresses = []
            return
        }
        patch.nodePortAddresses = try entries.enumerated().map { index, text in
            guard let prefix = IPPrefix(text.trimmingASCIISpaces()) else {
                throw FieldError("\(quoted(text)) is not a valid CIDR (address/length, or the single value \"primary\")",
                                 at: root["nodePortAddresses"]?.mark).at(["nodePortAddresses", index])
            }
            return prefix
        }
        patch.nodePortAddressesPrimary = false
    }

    static func decodeGates(_ value: YAMLValue) throws -> [String: Bool] {
        var gates: [String: Bool] = [:]
        for (name, enabled) in try value.mapping().entries() {
            gates[name] = try within(name) { try enabled.bool() }
        }
        return gates
    }
}

/// Decodes kube-proxy's own `KubeProxyConfiguration` (kubeproxy.config.k8s.io/v1alpha1): the
/// fields that shape its iptables rules. Other fields are accepted and ignored.
enum KubeProxyConfigurationDecoder {
    static func decode(_ root: YAMLMapping) throws -> SettingsPatch {
        var patch = SettingsPatch()
        if let hostname = try root.string("hostnameOverride"), !hostname.isEmpty { patch.hostname = hostname }
        patch.clusterCIDRs = .replaceAll(try root.decode("clusterCIDR", NodeConfigDecoder.decodeCIDRList) ?? [])
        patch.masqueradeAll = try root.bool("masqueradeAll")
        if let iptables = try root.mapping("iptables") {
            try within("iptables") {
                if let all = try iptables.bool("masqueradeAll") { patch.masqueradeAll = all }
                patch.masqueradeMark = try iptables.decode("masqueradeBit", NodeConfigDecoder.decodeMarkBit)
                patch.localhostNodePorts = try iptables.bool("localhostNodePorts")
            }
        }
        // kube-proxy's default masqueradeBit is 14.
        if patch.masqueradeMark == nil { patch.masqueradeMark = NodeSettings.masqueradeMark(bit: 14) }
        if root["nodePortAddresses"] != nil {
            try NodeConfigDecoder.decodeNodePortAddresses(root, into: &patch)
        }
        if let conntrack = try root.mapping("conntrack") {
            patch.conntrackTCPLiberal = try within("conntrack") { try conntrack.bool("tcpBeLiberal") }
        }
        patch.featureGates = try root.decode("featureGates", NodeConfigDecoder.decodeGates) ?? [:]
        switch try root.string("detectLocalMode") ?? "ClusterCIDR" {
        case "", "ClusterCIDR":
            break
        case "NodeCIDR":
            patch.clusterCIDRs = .nodePodCIDRs
        case let other:
            throw FieldError("detectLocalMode \(quoted(other)) is not supported (supported: ClusterCIDR, NodeCIDR)",
                             at: root["detectLocalMode"]?.mark).at(["detectLocalMode"])
        }
        if let mode = try root.string("mode"), !mode.isEmpty {
            if let known = ProxyMode(rawValue: mode) {
                patch.proxyMode = known
            } else {
                patch.notes.append("kube-proxy mode is \(quoted(mode)); PacketPath compiles the iptables layout")
            }
        }
        // The nftables proxier takes its mark and masqueradeAll from its own section.
        if patch.proxyMode == .nftables {
            let section = try root.mapping("nftables")
            try within("nftables") {
                patch.masqueradeMark = try section?.decode("masqueradeBit", NodeConfigDecoder.decodeMarkBit)
                    ?? NodeSettings.masqueradeMark(bit: 14)
                if let all = try section?.bool("masqueradeAll") { patch.masqueradeAll = all }
            }
        }
        return patch
    }
}
