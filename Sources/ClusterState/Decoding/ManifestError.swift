/// Bad input: says where (file, document, line), which object (`Kind namespace/name`) and
/// which field, then what is wrong, e.g.
/// `web.yaml: document 3 (line 41): Service prod/web: spec.ports[1].port: 70000 is not a valid port (1-65535)`.
public struct ManifestError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    /// 1-based document index in the file; nil for errors about the file as a whole.
    public var document: Int?
    public var line: Int?
    public var column: Int?
    public var object: ObjectID?
    /// Dotted field path from the object's root (`spec.ports[1].port`); empty when the error
    /// concerns the whole object or document.
    public var field: String
    public var message: String

    public init(file: String, document: Int? = nil, line: Int? = nil, column: Int? = nil,
                object: ObjectID? = nil, field: String = "", message: String) {
        self.file = file
        self.document = document
        self.line = line
        self.column = column
        self.object = object
        self.field = field
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        var location = file
        switch (document, line) {
        case let (document?, line?):
            location += ": document \(document) (line \(line)"
            location += column.map { ", column \($0))" } ?? ")"
        case let (document?, nil):
            location += ": document \(document)"
        case let (nil, line?):
            location += ": line \(line)" + (column.map { ", column \($0)" } ?? "")
        default:
            break
        }
        parts.append(location)
        if let object { parts.append(object.description) }
        if !field.isEmpty { parts.append(field) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// A non-fatal finding while loading (an unsupported kind skipped, say).
public struct ManifestWarning: Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var document: Int
    public var line: Int
    public var message: String

    public var description: String { "\(file): document \(document) (line \(line)): \(message)" }
}
