import NetworkAddresses
#if canImport(Glibc)
import Glibc
#endif

/// A YAML (or JSON) value read with Kubernetes' typing rules. Like the API machinery's
/// YAML-to-JSON step, an unquoted scalar is read according to the field it lands in: a string
/// field takes its text as written (`name: y` is the string "y", `name: 80` is "80"), an
/// integer or boolean field needs a plain scalar of that type (YAML 1.1: `yes`/`on` are true),
/// and a quoted scalar is always a string — so `port: "80"` is an error, never converted.
///
/// A node of a YAMLTree: the typing reads the scalar's bytes; only the text a decoder keeps
/// becomes a String.
struct YAMLValue {
    let tree: YAMLTree.View
    let index: Int

    var mark: SourceMark? { tree.mark(index) }

    var kind: YAMLTree.Kind { tree.nodes[index].kind }

    enum Scalar {
        case null
        case bool(Bool)
        case int(Int)
        case float
        case string(String)
    }

    private var isPlainScalar: Bool {
        let node = tree.nodes[index]
        return node.kind == .scalar && node.plain
    }

    /// A scalar's text as written, or nil for mappings and sequences.
    var text: String? { kind == .scalar ? tree.string(index) : nil }

    /// The scalar as YAML 1.1 types it when written plain, or nil for mappings and sequences.
    var scalar: Scalar? {
        guard kind == .scalar else { return nil }
        guard isPlainScalar else { return .string(tree.string(index)) }
        let bytes = tree.bytes(index)
        if YAMLValue.isNullWord(bytes) { return .null }
        if let value = YAMLValue.boolWord(bytes) { return .bool(value) }
        if let value = YAMLValue.integer(bytes) { return .int(value) }
        let text = String(decoding: bytes, as: UTF8.self)
        if YAMLValue.looksLikeFloat(text) || YAMLValue.isOversizedInteger(bytes) { return .float }
        return .string(text)
    }

    var isNull: Bool {
        isPlainScalar && YAMLValue.isNullWord(tree.bytes(index))
    }

    /// The items of a sequence (empty for anything else).
    var items: [YAMLValue] {
        guard kind == .sequence else { return [] }
        return (0..<tree.nodes[index].count).map { YAMLValue(tree: tree, index: tree.child(index, $0)) }
    }

    /// How errors name the type found.
    var kindDescription: String {
        switch kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
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
        guard kind == .scalar, !isNull else { throw typeError("a string") }
        return tree.string(index)
    }

    func int() throws -> Int {
        guard isPlainScalar else { throw typeError("an integer") }
        if let value = YAMLValue.integer(tree.bytes(index)) { return value }
        if YAMLValue.isOversizedInteger(tree.bytes(index)) { throw outOfRange(tree.string(index)) }
        throw typeError("an integer")
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
            let text = tree.string(index)
            guard ["true", "True", "TRUE", "false", "False", "FALSE"].contains(text) else { return text }
            throw FieldError("expected a string, got \(kindDescription) (quote it: \(quoted(text)))", at: mark)
        case .int?, .float?:
            throw FieldError("expected a string, got \(kindDescription) (quote it: \(quoted(tree.string(index))))", at: mark)
        case nil: throw typeError("a string")
        }
    }

    func bool() throws -> Bool {
        guard isPlainScalar, let value = YAMLValue.boolWord(tree.bytes(index)) else {
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
            if isPlainScalar, YAMLValue.isOversizedInteger(tree.bytes(index)) { throw outOfRange(tree.string(index)) }
            throw typeError("an integer or a string")
        }
    }

    func mapping() throws -> YAMLMapping {
        guard kind == .mapping else { throw typeError("a mapping") }
        return YAMLMapping(tree: tree, index: index)
    }

    /// The items of a list, each decoded by `each`; errors get the item's index in their path.
    func list<T>(_ each: (YAMLValue) throws -> T) throws -> [T] {
        try compactList { item -> T? in try each(item) }
    }

    /// `list`, keeping the items `each` maps to a value: what a decoder drops is never stored
    /// and copied again.
    func compactList<T>(_ each: (YAMLValue) throws -> T?) throws -> [T] {
        if isNull { return [] }
        guard kind == .sequence else { throw typeError("a list") }
        let count = tree.nodes[index].count
        var result: [T] = []
        result.reserveCapacity(count)
        for position in 0..<count {
            let item = YAMLValue(tree: tree, index: tree.child(index, position))
            if let value = try within(.index(position), { try each(item) }) { result.append(value) }
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

    static func isNullWord(_ text: String) -> Bool { withUTF8(text, isNullWord) }
    static func boolWord(_ text: String) -> Bool? { withUTF8(text, boolWord) }
    static func integer(_ text: String) -> Int? { withUTF8(text, integer) }
    static func isOversizedInteger(_ text: String) -> Bool { withUTF8(text, isOversizedInteger) }

    private static func withUTF8<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        var text = text
        return text.withUTF8(body)
    }

    /// Every value a mapping lookup finds passes here: compared as one packed word.
    static func isNullWord(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch bytes.count {
        case 0: return true
        case 1: return bytes[0] == UInt8(ascii: "~")
        case 4: return nullWords.contains(packed(bytes))
        default: return false
        }
    }

    /// YAML 1.1's boolean words. Every plain scalar a boolean or integer field reads passes
    /// here: the length and first letter rule out most text before any comparison, the rest
    /// compares packed words (no String is made).
    static func boolWord(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard (1...5).contains(bytes.count) else { return nil }
        switch bytes[0] | 0x20 {
        case UInt8(ascii: "t"), UInt8(ascii: "y"), UInt8(ascii: "o"), UInt8(ascii: "f"), UInt8(ascii: "n"): break
        default: return nil
        }
        let word = packed(bytes)
        if trueWords.contains(word) { return true }
        if falseWords.contains(word) { return false }
        return nil
    }

    private static let nullWords = ["null", "Null", "NULL"].map(packed)
    private static let trueWords = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"].map(packed)
    private static let falseWords = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"].map(packed)

    /// Up to seven bytes and their count in one integer (equal words, equal integers).
    private static func packed(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var word = UInt64(bytes.count)
        for (position, byte) in bytes.enumerated() { word |= UInt64(byte) << (8 * (position + 1)) }
        return word
    }

    private static func packed(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { packed($0) }
    }

    /// YAML 1.1 integers: decimal with optional sign and `_`, `0x` hex, `0o`/leading-zero
    /// octal. Reads the bytes directly: every scalar of a large file passes through here.
    static func integer(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        var bytes = text[...]
        guard let first = bytes.first else { return nil }
        var negative = false
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var radix = 10
        // The prefix compared byte by byte (the generic `starts(with:)` costs more than the
        // rest of a short number).
        let second: UInt8? = bytes.count > 1 && bytes.first == UInt8(ascii: "0") ? bytes[bytes.startIndex + 1] : nil
        if second == UInt8(ascii: "x") || second == UInt8(ascii: "X") {
            radix = 16
            bytes = bytes.dropFirst(2)
        } else if second == UInt8(ascii: "o") {
            radix = 8
            bytes = bytes.dropFirst(2)
        } else if second != nil {
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
    static func isOversizedInteger(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var bytes = text[...]
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        return bytes.count > 18 && bytes.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
            && integer(text) == nil
    }

    private static func looksLikeFloat(_ text: String) -> Bool {
        if [".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN"].contains(text) { return true }
        return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) && Double(text) != nil
    }
}

/// A YAML mapping read by key: lookups compare the key's bytes with each key of the mapping
/// in turn (mappings are small, and a decoder looks up most of their keys).
struct YAMLMapping {
    let tree: YAMLTree.View
    let index: Int

    /// Nil for `empty`, which stands for a mapping the input left out.
    var mark: SourceMark? { tree.mark(index) }

    /// A mapping with no keys and no place in the input.
    static func empty() -> YAMLMapping { YAMLMapping(tree: .emptyMapping, index: 0) }

    private var pairCount: Int { tree.nodes[index].count / 2 }

    /// Key nodes and value nodes of the pairs, in document order.
    private func keyNode(_ pair: Int) -> Int { tree.child(index, 2 * pair) }
    private func valueNode(_ pair: Int) -> Int { tree.child(index, 2 * pair + 1) }

    /// Key/value pairs in document order; non-string keys are an error.
    func entries() throws -> [(String, YAMLValue)] {
        try (0..<pairCount).map { pair in
            let key = keyNode(pair)
            guard tree.nodes[key].kind == .scalar else { throw FieldError("mapping keys must be strings", at: tree.mark(key)) }
            return (tree.string(key), YAMLValue(tree: tree, index: valueNode(pair)))
        }
    }

    /// The pairs with a scalar key: the key's text and mark, and the value.
    func scalarKeyedPairs() -> [(key: String, keyMark: SourceMark?, value: YAMLValue)] {
        (0..<pairCount).compactMap { pair in
            let key = keyNode(pair)
            guard tree.nodes[key].kind == .scalar else { return nil }
            return (tree.string(key), tree.mark(key), YAMLValue(tree: tree, index: valueNode(pair)))
        }
    }

    /// Whether `key` is present (even with a null value, as an empty list may print `items: null`).
    func hasKey(_ key: String) -> Bool { pair(of: key) != nil }

    /// The value under `key`, or nil when absent or null.
    subscript(key: String) -> YAMLValue? {
        guard let pair = pair(of: key) else { return nil }
        let value = YAMLValue(tree: tree, index: valueNode(pair))
        return value.isNull ? nil : value
    }

    /// The first pair whose key is `key`. Every field a decoder reads is looked up here: the
    /// key's bytes are taken once, and each key of the mapping is compared by length, first
    /// byte and then all bytes.
    private func pair(of key: String) -> Int? {
        var key = key
        return key.withUTF8 { wanted -> Int? in
            let node = tree.nodes[index]
            guard node.count >= 2, let first = wanted.first else {
                return (0..<pairCount).first { tree.scalar(keyNode($0), equals: wanted) }
            }
            for pair in 0..<node.count / 2 {
                let candidate = tree.nodes[tree.children[node.start + 2 * pair]]
                guard candidate.kind == .scalar, candidate.count == wanted.count,
                      tree.text[candidate.start] == first else { continue }
                if memcmp(tree.text.baseAddress! + candidate.start, wanted.baseAddress!, wanted.count) == 0 { return pair }
            }
            return nil
        }
    }

    /// Runs `body` with the values under `keys`, each as the subscript gives it (the first
    /// pair with that key; nil when absent or null), found in one pass over the pairs: for the
    /// mappings a large input holds many of (a slice's endpoints), where a lookup per field
    /// scans the pairs again for each field. The slots live on the stack (no allocation per
    /// mapping).
    func withValues<R>(_ keys: [StaticString], _ body: (FieldValues) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(of: Int.self, capacity: keys.count) { slots in
            slots.initialize(repeating: FieldValues.absent)
            let node = tree.nodes[index]
            for pair in 0..<node.count / 2 {
                let key = tree.nodes[tree.children[node.start + 2 * pair]]
                guard key.kind == .scalar else { continue }
                for slot in 0..<keys.count where slots[slot] == FieldValues.absent {
                    // (Through the buffer: a one-character StaticString has no pointer of its own.)
                    let equal = keys[slot].withUTF8Buffer { wanted in
                        wanted.count == key.count
                            && (key.count == 0 || memcmp(tree.text.baseAddress! + key.start, wanted.baseAddress!, key.count) == 0)
                    }
                    guard equal else { continue }
                    let value = tree.children[node.start + 2 * pair + 1]
                    slots[slot] = YAMLValue(tree: tree, index: value).isNull ? FieldValues.null : value
                    break
                }
            }
            return try body(FieldValues(tree: tree, slots: UnsafeBufferPointer(slots)))
        }
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

    func compactList<T>(_ key: String, _ each: (YAMLValue) throws -> T?) throws -> [T] {
        try decode(key) { try $0.compactList(each) } ?? []
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

/// The values `YAMLMapping.withValues` found, by the position of their key.
struct FieldValues {
    static let absent = -1
    static let null = -2

    let tree: YAMLTree.View
    /// Value nodes; `absent` or `null` when there is none.
    let slots: UnsafeBufferPointer<Int>

    subscript(slot: Int) -> YAMLValue? {
        slots[slot] >= 0 ? YAMLValue(tree: tree, index: slots[slot]) : nil
    }
}

/// `"text"` for messages: escaped and cut to about 100 characters (SafeText).
func quoted(_ text: String) -> String { SafeText.quoted(text) }
