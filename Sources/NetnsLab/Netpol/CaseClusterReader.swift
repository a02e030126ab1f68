import ClusterState
import NetworkAddresses
import Yams

/// Reads a case's cluster.yaml into `ClusterState`: Namespaces, Pods, Services and
/// EndpointSlices, the objects the lab needs to build hosts, servers and Service rules.
///
/// Temporary: `ClusterState.ManifestLoader` (being written on main) replaces this once it
/// lands; NetworkPolicies are left to it (they are counted here, not decoded).
public enum CaseClusterReader {
    public struct Result: Sendable {
        public var state: ClusterState
        /// NetworkPolicy documents seen but not decoded.
        public var skippedPolicies: Int
    }

    public static func read(yaml: String, file: String, settings: NodeSettings) throws -> Result {
        var state = ClusterState(settings: settings)
        var skippedPolicies = 0
        let documents: [Any?]
        do {
            documents = Array(try Yams.load_all(yaml: yaml))
        } catch {
            throw LabError("\(file): not valid YAML: \(error)")
        }
        for (index, document) in documents.enumerated() {
            guard let object = document as? [String: Any] else { continue }
            let where_ = "\(file): document \(index + 1)"
            switch object["kind"] as? String {
            case "Namespace": state.namespaces.append(Namespace(metadata: try meta(object, where_)))
            case "Pod": state.pods.append(try pod(object, where_))
            case "Service": state.services.append(try service(object, where_))
            case "EndpointSlice": state.endpointSlices.append(try slice(object, where_))
            case "NetworkPolicy": skippedPolicies += 1
            case let kind: throw LabError("\(where_): unsupported kind \(kind ?? "(none)")")
            }
        }
        return Result(state: state, skippedPolicies: skippedPolicies)
    }

    private static func meta(_ object: [String: Any], _ where_: String) throws -> ObjectMeta {
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        guard let name = metadata["name"] as? String else { throw LabError("\(where_): metadata.name missing") }
        return ObjectMeta(name: name, namespace: metadata["namespace"] as? String ?? "",
                          labels: strings(metadata["labels"]))
    }

    private static func pod(_ object: [String: Any], _ where_: String) throws -> Pod {
        let spec = object["spec"] as? [String: Any] ?? [:]
        let status = object["status"] as? [String: Any] ?? [:]
        var ports: [ContainerPort] = []
        for container in spec["containers"] as? [[String: Any]] ?? [] {
            for port in container["ports"] as? [[String: Any]] ?? [] {
                guard let number = port["containerPort"] as? Int else { throw LabError("\(where_): containerPort missing") }
                ports.append(ContainerPort(name: port["name"] as? String, containerPort: number,
                                           protocol: try proto(port["protocol"], where_)))
            }
        }
        var texts = (status["podIPs"] as? [[String: Any]] ?? []).compactMap { $0["ip"] as? String }
        if texts.isEmpty, let single = status["podIP"] as? String { texts = [single] }
        let addresses = try texts.map { text -> IPAddress in
            guard let address = IPAddress(text) else { throw LabError("\(where_): bad pod IP \(text)") }
            return address
        }
        return Pod(metadata: try meta(object, where_), nodeName: spec["nodeName"] as? String,
                   hostNetwork: spec["hostNetwork"] as? Bool ?? false, containerPorts: ports,
                   phase: status["phase"] as? String, podIPs: addresses)
    }

    private static func service(_ object: [String: Any], _ where_: String) throws -> Service {
        let spec = object["spec"] as? [String: Any] ?? [:]
        var ipTexts = spec["clusterIPs"] as? [String] ?? []
        if ipTexts.isEmpty, let single = spec["clusterIP"] as? String { ipTexts = [single] }
        let headless = ipTexts.first == "None"
        let clusterIPs = headless ? [] : try ipTexts.map { text -> IPAddress in
            guard let address = IPAddress(text) else { throw LabError("\(where_): bad clusterIP \(text)") }
            return address
        }
        let ports = try (spec["ports"] as? [[String: Any]] ?? []).map { port -> ServicePort in
            guard let number = port["port"] as? Int else { throw LabError("\(where_): service port missing") }
            let target: IntOrString? = (port["targetPort"] as? Int).map(IntOrString.int)
                ?? (port["targetPort"] as? String).map(IntOrString.string)
            return ServicePort(name: port["name"] as? String ?? "", protocol: try proto(port["protocol"], where_),
                               port: number, targetPort: target, nodePort: port["nodePort"] as? Int ?? 0)
        }
        let type = ServiceType(rawValue: spec["type"] as? String ?? "ClusterIP") ?? .clusterIP
        var affinity = SessionAffinity.none
        if spec["sessionAffinity"] as? String == "ClientIP" {
            let config = (spec["sessionAffinityConfig"] as? [String: Any])?["clientIP"] as? [String: Any]
            affinity = .clientIP(timeoutSeconds: config?["timeoutSeconds"] as? Int ?? 10800)
        }
        return Service(metadata: try meta(object, where_), type: type, clusterIPs: clusterIPs, isHeadless: headless,
                       ports: ports, selector: spec["selector"].map { strings($0) },
                       externalTrafficPolicy: TrafficPolicy(rawValue: spec["externalTrafficPolicy"] as? String ?? "Cluster") ?? .cluster,
                       internalTrafficPolicy: TrafficPolicy(rawValue: spec["internalTrafficPolicy"] as? String ?? "Cluster") ?? .cluster,
                       sessionAffinity: affinity, ipFamilies: [.ipv4])
    }

    private static func slice(_ object: [String: Any], _ where_: String) throws -> EndpointSlice {
        let metadata = try meta(object, where_)
        guard let serviceName = metadata.labels["kubernetes.io/service-name"] else {
            throw LabError("\(where_): EndpointSlice without kubernetes.io/service-name label")
        }
        let addressType = EndpointAddressType(rawValue: object["addressType"] as? String ?? "IPv4") ?? .ipv4
        let endpoints = try (object["endpoints"] as? [[String: Any]] ?? []).map { endpoint -> Endpoint in
            guard let text = (endpoint["addresses"] as? [String])?.first, let address = IPAddress(text) else {
                throw LabError("\(where_): endpoint without a valid address")
            }
            let conditions = endpoint["conditions"] as? [String: Any] ?? [:]
            let ref = endpoint["targetRef"] as? [String: Any]
            let targetPod = ref.flatMap { ref -> String? in
                guard ref["kind"] as? String == "Pod", let name = ref["name"] as? String else { return nil }
                return "\(ref["namespace"] as? String ?? metadata.namespace)/\(name)"
            }
            return Endpoint(addressText: text, address: address,
                                         conditions: EndpointConditions(ready: conditions["ready"] as? Bool,
                                                                        serving: conditions["serving"] as? Bool,
                                                                        terminating: conditions["terminating"] as? Bool),
                                         nodeName: endpoint["nodeName"] as? String, targetPod: targetPod)
        }
        let ports = try (object["ports"] as? [[String: Any]] ?? []).map { port in
            EndpointPort(name: port["name"] as? String ?? "", protocol: try proto(port["protocol"], where_),
                         port: port["port"] as? Int)
        }
        return EndpointSlice(metadata: metadata, serviceName: serviceName, addressType: addressType,
                             endpoints: endpoints, ports: ports)
    }

    private static func proto(_ value: Any?, _ where_: String) throws -> KubeProtocol {
        guard let text = value as? String else { return .tcp }
        guard let parsed = KubeProtocol(rawValue: text) else { throw LabError("\(where_): unknown protocol \(text)") }
        return parsed
    }

    private static func strings(_ value: Any?) -> [String: String] {
        guard let map = value as? [String: Any] else { return [:] }
        return map.compactMapValues { $0 as? String ?? ($0 as? CustomStringConvertible)?.description }
    }
}
