import NetworkAddresses

public enum ServiceType: String, Sendable, Hashable {
    case clusterIP = "ClusterIP"
    case nodePort = "NodePort"
    case loadBalancer = "LoadBalancer"
    case externalName = "ExternalName"
}

public enum TrafficPolicy: String, Sendable, Hashable {
    case cluster = "Cluster"
    case local = "Local"
}

public enum SessionAffinity: Sendable, Hashable {
    case none
    /// Sticky by client IP for `timeoutSeconds` (API default 10800).
    case clientIP(timeoutSeconds: Int)
}

public struct ServicePort: Sendable, Hashable {
    public var name: String
    public var `protocol`: KubeProtocol
    public var port: Int
    public var targetPort: IntOrString
    /// 0 when the port has no node port.
    public var nodePort: Int

    public init(name: String = "", protocol: KubeProtocol = .tcp, port: Int,
                targetPort: IntOrString? = nil, nodePort: Int = 0) {
        self.name = name
        self.protocol = `protocol`
        self.port = port
        self.targetPort = targetPort ?? .int(port)
        self.nodePort = nodePort
    }
}

/// `ipMode` of a load-balancer ingress point (KEP-1860).
public enum LoadBalancerIPMode: String, Sendable, Hashable {
    case vip = "VIP"
    case proxy = "Proxy"
}

public struct LoadBalancerIngress: Sendable, Hashable {
    public var ip: IPAddress?
    public var hostname: String?
    public var ipMode: LoadBalancerIPMode?

    public init(ip: IPAddress? = nil, hostname: String? = nil, ipMode: LoadBalancerIPMode? = nil) {
        self.ip = ip
        self.hostname = hostname
        self.ipMode = ipMode
    }
}

/// A v1 Service after API defaulting.
public struct Service: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var type: ServiceType
    /// `clusterIPs` (or `clusterIP` when `clusterIPs` is empty); empty for headless Services
    /// (`None`) and ExternalName Services.
    public var clusterIPs: [IPAddress]
    public var isHeadless: Bool
    public var ports: [ServicePort]
    /// nil for a Service without selector (endpoints are managed by hand).
    public var selector: [String: String]?
    public var externalIPs: [IPAddress]
    /// As written, whitespace-trimmed; kube-proxy prints their network address.
    public var loadBalancerSourceRanges: [IPPrefix]
    public var loadBalancerIngress: [LoadBalancerIngress]
    public var externalTrafficPolicy: TrafficPolicy
    public var internalTrafficPolicy: TrafficPolicy
    public var healthCheckNodePort: Int
    public var sessionAffinity: SessionAffinity
    /// `spec.trafficDistribution` (e.g. `PreferClose`), nil when unset.
    public var trafficDistribution: String?
    public var ipFamilies: [IPFamily]
    public var externalName: String?

    public init(metadata: ObjectMeta, type: ServiceType = .clusterIP, clusterIPs: [IPAddress] = [],
                isHeadless: Bool = false, ports: [ServicePort] = [], selector: [String: String]? = nil,
                externalIPs: [IPAddress] = [], loadBalancerSourceRanges: [IPPrefix] = [],
                loadBalancerIngress: [LoadBalancerIngress] = [],
                externalTrafficPolicy: TrafficPolicy = .cluster,
                internalTrafficPolicy: TrafficPolicy = .cluster, healthCheckNodePort: Int = 0,
                sessionAffinity: SessionAffinity = .none, trafficDistribution: String? = nil,
                ipFamilies: [IPFamily] = [], externalName: String? = nil) {
        self.metadata = metadata
        self.type = type
        self.clusterIPs = clusterIPs
        self.isHeadless = isHeadless
        self.ports = ports
        self.selector = selector
        self.externalIPs = externalIPs
        self.loadBalancerSourceRanges = loadBalancerSourceRanges
        self.loadBalancerIngress = loadBalancerIngress
        self.externalTrafficPolicy = externalTrafficPolicy
        self.internalTrafficPolicy = internalTrafficPolicy
        self.healthCheckNodePort = healthCheckNodePort
        self.sessionAffinity = sessionAffinity
        self.trafficDistribution = trafficDistribution
        self.ipFamilies = ipFamilies
        self.externalName = externalName
    }

    /// The cluster IP of `family`, if the Service has one.
    public func clusterIP(for family: IPFamily) -> IPAddress? {
        clusterIPs.first { $0.family == family }
    }
}
