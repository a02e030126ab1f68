import ClusterState

public enum Severity: String, Sendable, Codable, Comparable {
    case error, warning, info

    private var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One problem found in the manifests: what, where (object, file and line, field) and a
/// one-line hint at the fix.
public struct Finding: Sendable, Equatable, Encodable {
    public var severity: Severity
    /// The check that found it (`service-selector-no-pods`, ...).
    public var check: String
    /// `Kind namespace/name`; nil for findings about the input as a whole.
    public var object: ObjectID?
    public var location: SourceLocation?
    /// Dotted path from the object's root, e.g. `spec.ports[0].targetPort`.
    public var field: String
    public var message: String
    public var hint: String

    public init(_ severity: Severity, check: String, object: ObjectID?, location: SourceLocation?, field: String,
                message: String, hint: String) {
        self.severity = severity
        self.check = check
        self.object = object
        self.location = location
        self.field = field
        self.message = message
        self.hint = hint
    }

    /// `error: Service prod/web (web.yaml:12): spec.selector: selects no Pod (hint: ...)`.
    public var text: String {
        var parts = ["\(severity.rawValue):"]
        if let object {
            parts.append("\(object)" + (location.map { " (\($0.file):\($0.line))" } ?? "") + ":")
        }
        if !field.isEmpty { parts.append("\(field):") }
        parts.append(message)
        return parts.joined(separator: " ") + (hint.isEmpty ? "" : " — hint: \(hint)")
    }

    enum CodingKeys: String, CodingKey { case severity, check, object, file, line, field, message, hint }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(severity, forKey: .severity)
        try container.encode(check, forKey: .check)
        try container.encodeIfPresent(object?.description, forKey: .object)
        try container.encodeIfPresent(location?.file, forKey: .file)
        try container.encodeIfPresent(location?.line, forKey: .line)
        try container.encode(field, forKey: .field)
        try container.encode(message, forKey: .message)
        try container.encode(hint, forKey: .hint)
    }
}

extension Finding {
    init(_ severity: Severity, check: String, service: Service, field: String, message: String, hint: String) {
        self.init(severity, check: check, object: ObjectID(kind: "Service", namespace: service.metadata.namespace, name: service.metadata.name),
                  location: service.metadata.source, field: field, message: message, hint: hint)
    }
}
