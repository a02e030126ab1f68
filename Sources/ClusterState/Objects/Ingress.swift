/// How an Ingress path is compared with a request's path.
public enum IngressPathType: String, Sendable, Hashable {
    case exact = "Exact"
    case prefix = "Prefix"
    /// Up to the controller; PacketPath routes it as Prefix and says so.
    case implementationSpecific = "ImplementationSpecific"
}

/// Where an Ingress sends matching requests: a Service port (by number or name), or another
/// kind of object (`resource`), which PacketPath does not follow.
public enum IngressBackend: Sendable, Hashable {
    public enum Port: Sendable, Hashable {
        case number(Int)
        case name(String)
    }

    case service(name: String, port: Port)
    /// `apiGroup/kind name` of a resource backend.
    case resource(String)
}

public struct IngressPath: Sendable, Hashable {
    /// As written; empty only for an ImplementationSpecific path (routed as `/`).
    public var path: String
    public var pathType: IngressPathType
    public var backend: IngressBackend

    public init(path: String, pathType: IngressPathType, backend: IngressBackend) {
        self.path = path
        self.pathType = pathType
        self.backend = backend
    }
}

public struct IngressRule: Sendable, Hashable {
    /// Empty: every host. May start with `*.` (one DNS label).
    public var host: String
    public var paths: [IngressPath]

    public init(host: String = "", paths: [IngressPath] = []) {
        self.host = host
        self.paths = paths
    }
}

public struct IngressTLS: Sendable, Hashable {
    public var hosts: [String]
    public var secretName: String?

    public init(hosts: [String] = [], secretName: String? = nil) {
        self.hosts = hosts
        self.secretName = secretName
    }
}

/// A networking.k8s.io/v1 Ingress.
public struct Ingress: Sendable, Hashable {
    public var metadata: ObjectMeta
    /// `spec.ingressClassName`, or the legacy `kubernetes.io/ingress.class` annotation.
    public var ingressClassName: String?
    public var defaultBackend: IngressBackend?
    public var rules: [IngressRule]
    public var tls: [IngressTLS]

    public init(metadata: ObjectMeta, ingressClassName: String? = nil, defaultBackend: IngressBackend? = nil,
                rules: [IngressRule] = [], tls: [IngressTLS] = []) {
        self.metadata = metadata
        self.ingressClassName = ingressClassName
        self.defaultBackend = defaultBackend
        self.rules = rules
        self.tls = tls
    }

    /// The legacy annotation some Ingresses still use instead of `spec.ingressClassName`.
    public static let classAnnotation = "kubernetes.io/ingress.class"
}

/// A networking.k8s.io/v1 IngressClass (cluster-scoped).
public struct IngressClass: Sendable, Hashable {
    public var metadata: ObjectMeta
    /// `spec.controller`, e.g. `k8s.io/ingress-nginx`.
    public var controller: String

    public init(metadata: ObjectMeta, controller: String) {
        self.metadata = metadata
        self.controller = controller
    }

    public static let defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"

    /// Marked as the class for Ingresses that name none.
    public var isDefault: Bool { metadata.annotations[IngressClass.defaultClassAnnotation] == "true" }
}

extension Ingress: HasObjectMeta {}
extension IngressClass: HasObjectMeta {}
