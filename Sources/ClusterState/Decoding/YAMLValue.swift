import NetworkAddresses
import Yams

/// A YAML (or JSON) value read with Kubernetes' typing rules. Like the API machinery's
/// YAML-to-JSON step, an unquoted scalar is read according to the field it lands in: a string
/// field takes its text as written (`name: y` is the string "y", `name: 80` is "80"), an
/// integer or boolean field needs a plain scalar of that type (YAML 1.1: `yes`/`on` are true),
/// and a quoted scalar is always a string — so `port: "80"` is an error, never converted.
/// Yams' node type; `Node` alone is the Kubernetes kind in this module.
typealias YAMLNode = Yams.Node

struct YAMLValue {
    let node: YAMLNode

    var mark: Mark? { node.mark }

    enum Scalar {
        case null
        case bool(Bool)
        case int(Int)
        case float
        case string(String)
    }

    /// The resolved scalar, or nil for mappings and sequences.
    var scalar: Scalar? {
        guard case .scalar(let scalar) = node else { return nil }
        let text = scalar.string
        if scalar.style != .plain && scalar.style != .any { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y": return .bool(true)
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N": return .bool(false)
        default: break
        }
        if let value = YAMLValue.integer(text) { return .int(value) }
        if YAMLValue.looksLikeFloat(text) { return .float }
        return .string(text)
    }

    var isNull: Bool {
        if case .null? = scalar { return true }
        return false
    }

    /// How errors name the type found.
    var kindDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            switch scalar! {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int, .float: return "a number"
            case .string: return "a string"
            }
        }
    }

    func typeError(_ expected: String) -> FieldError {
        FieldError("expected \(expected), got \(kindDescription)", at: mark)
    }

    func string() throws -> String {
        switch scalar {
        case .string(let text)?:
            return text
        case .int?, .bool?, .float?:
            if case .scalar(let raw) = node { return raw.string }
            throw typeError("a string")
        default:
            throw typeError("a string")
        }
    }

    func int() throws -> Int {
        guard case .int(let value)? = scalar else { throw typeError("an integer") }
        return value
    }

    func bool() throws -> Bool {
        guard case .bool(let value)? = scalar else { throw typeError("a boolean (true or false)") }
        return value
    }

    /// An integer or a string (`targetPort`, policy ports).
    func intOrString() throws -> IntOrString {
        switch scalar {
        case .int(let value)?: return .int(value)
        case .string(let text)?: return .string(text)
        default: throw typeError("an integer or a string")
        }
    }

    func mapping() throws -> YAMLMapping {
        guard case .mapping(let mapping) = node else { throw typeError("a mapping") }
        return YAMLMapping(mapping: mapping)
    }

    /// The items of a list, each decoded by `each`; errors get the item's index in their path.
    func list<T>(_ each: (YAMLValue) throws -> T) throws -> [T] {
        if isNull { return [] }
        guard case .sequence(let sequence) = node else { throw typeError("a list") }
        var result: [T] = []
        result.reserveCapacity(sequence.count)
        for (index, item) in sequence.enumerated() {
            result.append(try within(.index(index)) { try each(YAMLValue(node: item)) })
        }
        return result
    }

    /// A map of strings to strings (labels, annotations, selectors).
    func stringMap() throws -> [String: String] {
        if isNull { return [:] }
        var result: [String: String] = [:]
        for (key, value) in try mapping().entries() {
            result[key] = try within(key) { try value.string() }
        }
        return result
    }

    func ipAddress() throws -> IPAddress {
        let text = try string()
        guard let address = IPAddress(text) else { throw FieldError("\(quoted(text)) is not a valid IP address", at: mark) }
        return address
    }

    func ipPrefix() throws -> IPPrefix {
        let text = try string()
        guard let prefix = IPPrefix(text) else {
            throw FieldError("\(quoted(text)) is not a valid CIDR (address/length)", at: mark)
        }
        return prefix
    }

    /// YAML 1.1 integers: decimal with optional sign and `_`, `0x` hex, `0o`/leading-zero octal.
    static func integer(_ text: String) -> Int? {
        var body = Substring(text).filter { $0 != "_" }[...]
        var negative = false
        if let first = body.first, first == "-" || first == "+" {
            negative = first == "-"
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        let value: Int?
        if body.hasPrefix("0x") || body.hasPrefix("0X") {
            value = Int(body.dropFirst(2), radix: 16)
        } else if body.hasPrefix("0o") {
            value = Int(body.dropFirst(2), radix: 8)
        } else if body.count > 1 && body.hasPrefix("0") {
            value = Int(body.dropFirst(), radix: 8)
        } else {
            value = body.allSatisfy(\.isASCII) ? Int(body) : nil
        }
        return value.map { negative ? -$0 : $0 }
    }

    private static func looksLikeFloat(_ text: String) -> Bool {
        if [".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN"].contains(text) { return true }
        return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) && Double(text) != nil
    }
}

/// A YAML mapping read by key.
struct YAMLMapping {
    let mapping: YAMLNode.Mapping

    var mark: Mark? { mapping.mark }

    /// Key/value pairs in document order; non-string keys are an error.
    func entries() throws -> [(String, YAMLValue)] {
        try mapping.map { pair in
            guard case .scalar(let key) = pair.key else {
                throw FieldError("mapping keys must be strings", at: pair.key.mark)
            }
            return (key.string, YAMLValue(node: pair.value))
        }
    }

    /// The value under `key`, or nil when absent or null.
    subscript(key: String) -> YAMLValue? {
        for pair in mapping {
            if case .scalar(let scalar) = pair.key, scalar.string == key {
                let value = YAMLValue(node: pair.value)
                return value.isNull ? nil : value
            }
        }
        return nil
    }

    /// Decodes the value under `key` with `decode`, prefixing errors with the key.
    func decode<T>(_ key: String, _ decode: (YAMLValue) throws -> T) throws -> T? {
        guard let value = self[key] else { return nil }
        return try within(key) { try decode(value) }
    }

    func string(_ key: String) throws -> String? { try decode(key) { try $0.string() } }
    func int(_ key: String) throws -> Int? { try decode(key) { try $0.int() } }
    func bool(_ key: String) throws -> Bool? { try decode(key) { try $0.bool() } }
    func mapping(_ key: String) throws -> YAMLMapping? { try decode(key) { try $0.mapping() } }
    func stringMap(_ key: String) throws -> [String: String] { try decode(key) { try $0.stringMap() } ?? [:] }

    func list<T>(_ key: String, _ each: (YAMLValue) throws -> T) throws -> [T] {
        try decode(key) { try $0.list(each) } ?? []
    }

    /// `read(key)`, where a missing value is an error.
    func required<T>(_ key: String, _ read: (String) throws -> T?) throws -> T {
        guard let value = try read(key) else {
            var error = FieldError("required value is missing", at: mark)
            error.path = [.key(key)]
            throw error
        }
        return value
    }

    /// Rejects keys outside `known` (for PacketPath's own kinds, where a typo must not be ignored).
    func rejectUnknownKeys(_ known: Set<String>) throws {
        for (key, value) in try entries() where !known.contains(key) {
            throw FieldError("unknown field \(quoted(key)) (known: \(known.sorted().joined(separator: ", ")))", at: value.mark)
                .at([key])
        }
    }
}

/// `"text"` for messages.
func quoted(_ text: String) -> String { "\"\(text)\"" }
