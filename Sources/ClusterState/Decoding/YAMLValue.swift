import NetworkAddresses
import Yams

/// Yams' node type; `Node` alone is the Kubernetes kind in this module.
typealias YAMLNode = Yams.Node

/// A YAML (or JSON) value read with Kubernetes' typing rules. Like the API machinery's
/// YAML-to-JSON step, an unquoted scalar is read according to the field it lands in: a string
/// field takes its text as written (`name: y` is the string "y", `name: 80` is "80"), an
/// integer or boolean field needs a plain scalar of that type (YAML 1.1: `yes`/`on` are true),
/// and a quoted scalar is always a string — so `port: "80"` is an error, never converted.
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

    /// A scalar's text, and whether it was written unquoted (only plain scalars have types).
    private var raw: (text: String, plain: Bool)? {
        guard case .scalar(let scalar) = node else { return nil }
        return (scalar.string, scalar.style == .plain || scalar.style == .any)
    }

    /// The scalar as YAML 1.1 types it when written plain, or nil for mappings and sequences.
    var scalar: Scalar? {
        guard let (text, plain) = raw else { return nil }
        guard plain else { return .string(text) }
        if YAMLValue.isNullWord(text) { return .null }
        if let value = YAMLValue.boolWord(text) { return .bool(value) }
        if let value = YAMLValue.integer(text) { return .int(value) }
        if YAMLValue.looksLikeFloat(text) || YAMLValue.isOversizedInteger(text) { return .float }
        return .string(text)
    }

    var isNull: Bool {
        guard let (text, plain) = raw else { return false }
        return plain && YAMLValue.isNullWord(text)
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

    /// Any non-null scalar, as written.
    func string() throws -> String {
        guard let (text, plain) = raw, !(plain && YAMLValue.isNullWord(text)) else { throw typeError("a string") }
        return text
    }

    func int() throws -> Int {
        guard let (text, plain) = raw, plain, let value = YAMLValue.integer(text) else {
            if let (text, plain) = raw, plain, YAMLValue.isOversizedInteger(text) { throw outOfRange(text) }
            throw typeError("an integer")
        }
        return value
    }

    private func outOfRange(_ text: String) -> FieldError {
        FieldError("\(quoted(text)) is out of range (a 64-bit integer)", at: mark)
    }

    /// A string-typed value where the API requires one (labels, annotations, selector values):
    /// an unquoted number or boolean is refused, as the API server refuses the JSON it becomes;
    /// null is the empty string, as the API server reads it.
    /// YAML 1.1's other boolean words (`y`, `no`, `on`) stay strings here, as the API
    /// machinery's YAML 1.2-style reading leaves them (`kubernetes.io/metadata.name: y`).
    func strictString() throws -> String {
        switch scalar {
        case .string(let text)?: return text
        case .null?: return ""
        case .bool?:
            guard let (text, _) = raw, ["true", "True", "TRUE", "false", "False", "FALSE"].contains(text) else { return raw?.text ?? "" }
            throw FieldError("expected a string, got \(kindDescription) (quote it: \(quoted(text)))", at: mark)
        case .int?, .float?:
            throw FieldError("expected a string, got \(kindDescription) (quote it: \(quoted(raw?.text ?? "")))", at: mark)
        case nil: throw typeError("a string")
        }
    }

    func bool() throws -> Bool {
        guard let (text, plain) = raw, plain, let value = YAMLValue.boolWord(text) else {
            throw typeError("a boolean (true or false)")
        }
        return value
    }

    /// An integer or a string (`targetPort`, policy ports).
    func intOrString() throws -> IntOrString {
        switch scalar {
        case .int(let value)?: return .int(value)
        case .string(let text)?: return .string(text)
        default:
            if let (text, plain) = raw, plain, YAMLValue.isOversizedInteger(text) { throw outOfRange(text) }
            throw typeError("an integer or a string")
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

    /// A map of strings to strings (labels, annotations, selectors): values must be strings.
    func stringMap() throws -> [String: String] {
        if isNull { return [:] }
        var result: [String: String] = [:]
        for (key, value) in try mapping().entries() {
            result[key] = try within(key) { try value.strictString() }
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

    static func isNullWord(_ text: String) -> Bool {
        switch text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    static func boolWord(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N": return false
        default: return nil
        }
    }

    /// YAML 1.1 integers: decimal with optional sign and `_`, `0x` hex, `0o`/leading-zero
    /// octal. Reads the bytes directly: every scalar of a large file passes through here.
    static func integer(_ text: String) -> Int? {
        var bytes = text.utf8[...]
        guard let first = bytes.first else { return nil }
        var negative = false
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var radix = 10
        if bytes.starts(with: "0x".utf8) || bytes.starts(with: "0X".utf8) {
            radix = 16
            bytes = bytes.dropFirst(2)
        } else if bytes.starts(with: "0o".utf8) {
            radix = 8
            bytes = bytes.dropFirst(2)
        } else if bytes.count > 1 && bytes.first == UInt8(ascii: "0") {
            radix = 8
            bytes = bytes.dropFirst()
        }
        var value = 0
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: "_") { continue }
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A")) + 10
            default: return nil
            }
            guard digit < radix else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = product.addingReportingOverflow(digit)
            if overflow || overflow2 { return nil }
            value = sum
            digits += 1
        }
        guard digits > 0 else { return nil }
        return negative ? -value : value
    }

    /// Digits (with sign and `_`) beyond what an Int holds: a number, out of range.
    static func isOversizedInteger(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        return bytes.count > 18 && bytes.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
            && integer(text) == nil
    }

    private static func looksLikeFloat(_ text: String) -> Bool {
        if [".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN"].contains(text) { return true }
        return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) && Double(text) != nil
    }
}

/// A YAML mapping read by key.
///
/// The pairs are copied out of Yams' mapping once: each access to a Yams node copies it (a
/// string, a tag object and a weak anchor reference), and a decoder looks up most keys of
/// every mapping.
struct YAMLMapping {
    private let pairs: [(key: String?, value: YAMLNode, keyMark: Mark?)]
    let mark: Mark?

    init(mapping: YAMLNode.Mapping) {
        mark = mapping.mark
        pairs = mapping.map { pair in
            if case .scalar(let key) = pair.key { return (key.string, pair.value, key.mark) }
            return (nil, pair.value, pair.key.mark)
        }
    }

    /// Key/value pairs in document order; non-string keys are an error.
    func entries() throws -> [(String, YAMLValue)] {
        try pairs.map { pair in
            guard let key = pair.key else { throw FieldError("mapping keys must be strings", at: pair.keyMark) }
            return (key, YAMLValue(node: pair.value))
        }
    }

    /// Whether `key` is present (even with a null value, as an empty list may print `items: null`).
    func hasKey(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// The value under `key`, or nil when absent or null.
    subscript(key: String) -> YAMLValue? {
        for index in pairs.indices where pairs[index].key == key {
            let value = YAMLValue(node: pairs[index].value)
            return value.isNull ? nil : value
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

/// `"text"` for messages: escaped and cut to about 100 characters (SafeText).
func quoted(_ text: String) -> String { SafeText.quoted(text) }
