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
        parts.append(SafeText.escaped(location, limit: 300))
        // Names and keys come from the input: escaped, and cut short like quoted values.
        if let object { parts.append(SafeText.escaped(object.description, limit: 300)) }
        if !field.isEmpty { parts.append(SafeText.escaped(field, limit: 300)) }
        parts.append(SafeText.escaped(message, limit: 600))
        return parts.joined(separator: ": ")
    }
}

/// A non-fatal finding while loading: a warning (an unsupported kind skipped, say), or a note
/// (what the input left to an assumption, or what the cluster would ignore or allocate).
public struct ManifestWarning: Sendable, CustomStringConvertible, Equatable {
    public var file: String
    /// 0 for findings about the input as a whole (then file and line are not shown).
    public var document: Int
    public var line: Int
    public var message: String
    /// A note rather than a warning (`--quiet` silences notes).
    public var isNote = false

    public var description: String {
        let text = SafeText.escaped(message, limit: 600)
        return document == 0 ? text : "\(SafeText.escaped(file, limit: 300)): document \(document) (line \(line)): \(text)"
    }
}
