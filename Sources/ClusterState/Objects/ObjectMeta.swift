/// Where an object came from: the file, the document's position in it and its first line.
/// Every error and lint finding about an object points here.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based index of the YAML/JSON document in the file (items of a `kind: List` share
    /// their document's index).
    public var document: Int
    /// 1-based line where the object starts.
    public var line: Int

    public init(file: String, document: Int, line: Int) {
        self.file = file
        self.document = document
        self.line = line
    }

    public var description: String { "\(file): document \(document) (line \(line))" }
}

/// `Kind namespace/name` (or `Kind name` for cluster-scoped kinds), the way errors name objects.
public struct ObjectID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: String
    public var namespace: String?
    public var name: String

    public init(kind: String, namespace: String?, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    public var description: String {
        if let namespace { return "\(kind) \(namespace)/\(name)" }
        return "\(kind) \(name)"
    }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        (lhs.kind, lhs.namespace ?? "", lhs.name) < (rhs.kind, rhs.namespace ?? "", rhs.name)
    }
}

/// The metadata fields PacketPath reads.
public struct ObjectMeta: Sendable, Hashable {
    public var name: String
    /// Empty for cluster-scoped objects.
    public var namespace: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var source: SourceLocation?

    public init(name: String, namespace: String = "", labels: [String: String] = [:],
                annotations: [String: String] = [:], source: SourceLocation? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.source = source
    }

    /// `namespace/name`, or `name` for cluster-scoped objects.
    public var key: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
}

/// The kinds that carry Kubernetes object metadata.
protocol HasObjectMeta {
    var metadata: ObjectMeta { get set }
}

extension Service: HasObjectMeta {}
extension EndpointSlice: HasObjectMeta {}
extension Pod: HasObjectMeta {}
extension Namespace: HasObjectMeta {}
extension Node: HasObjectMeta {}
extension NetworkPolicy: HasObjectMeta {}
