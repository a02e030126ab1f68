/// The Kubernetes naming rules PacketPath checks (apimachinery's validation package).
enum NameRules {
    /// RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, ≤ 63.
    static func dns1123LabelProblem(_ name: String, standard: String = "RFC 1123 label") -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > 63 { return "must be no more than 63 characters" }
        // Read in place (no array of the bytes: every object passes here).
        guard labelCharactersValid(name.utf8) else {
            return "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (\(standard))"
        }
        return nil
    }

    /// `bytes` is not empty.
    private static func labelCharactersValid<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Bool {
        bytes.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: "-") }) && isLowerAlnum(bytes.first!) && isLowerAlnum(bytes.last!)
    }

    /// RFC 1035 label (Service names): like an RFC 1123 label but starting with a letter.
    static func dns1035LabelProblem(_ name: String) -> String? {
        if let problem = dns1123LabelProblem(name, standard: "RFC 1035 label") { return problem }
        guard let first = name.utf8.first, first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z") else {
            return "must start with a lower-case letter (RFC 1035 label)"
        }
        return nil
    }

    /// RFC 1123 subdomain: dot-separated labels, ≤ 253 (most object names).
    static func dns1123SubdomainProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > 253 { return "must be no more than 253 characters" }
        return subdomainLabelsValid(name.utf8) ? nil : subdomainRules
    }

    /// Each dot-separated label starts and ends alphanumeric (a label is at most 63 characters
    /// within the 253). Read as bytes: every object name passes here.
    private static func subdomainLabelsValid<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var previous = UInt8(ascii: ".")
        var labelLength = 0
        for byte in bytes {
            let valid: Bool
            if byte == UInt8(ascii: ".") {
                valid = isLowerAlnum(previous)
                labelLength = 0
            } else if byte == UInt8(ascii: "-") {
                valid = previous != UInt8(ascii: ".")
                labelLength += 1
            } else {
                valid = isLowerAlnum(byte)
                labelLength += 1
            }
            guard valid, labelLength <= 63 else { return false }
            previous = byte
        }
        return isLowerAlnum(previous)
    }

    private static var subdomainRules: String {
        "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (RFC 1123 subdomain)"
    }

    /// IANA service name (named ports): ≤ 15 characters, lower-case alphanumerics and '-',
    /// at least one letter, no leading, trailing or doubled '-'.
    static func ianaServiceNameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.isEmpty { return "must not be empty" }
        if bytes.count > 15 { return "must be no more than 15 characters (IANA service name)" }
        guard bytes.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: "-") }) else {
            return "must contain only lower-case alphanumeric characters and '-' (IANA service name)"
        }
        if bytes.first == UInt8(ascii: "-") || bytes.last == UInt8(ascii: "-") || name.contains("--") {
            return "must not begin or end with '-' or contain '--' (IANA service name)"
        }
        if !bytes.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) {
            return "must contain at least one letter (IANA service name)"
        }
        return nil
    }

    /// Label keys: optional DNS subdomain prefix and '/', then a name of ≤ 63 characters of
    /// alphanumerics, '-', '_' and '.', starting and ending alphanumeric.
    static func labelKeyProblem(_ key: String) -> String? {
        var name = Substring(key)
        // (Most keys have no prefix: the byte search spares them the search by Character.)
        // An ASCII key's first '/' byte is its first "/" Character (no combining marks).
        if let slashByte = key.utf8.firstIndex(of: UInt8(ascii: "/")),
           let slash = key.utf8.allSatisfy({ $0 < 0x80 }) ? slashByte : key.firstIndex(of: "/") {
            let prefix = String(key[..<slash])
            if dns1123SubdomainProblem(prefix) != nil { return "prefix \(quoted(prefix)) must be a DNS subdomain" }
            name = key[key.index(after: slash)...]
        }
        if name.isEmpty { return "name part must not be empty" }
        return qualifiedNamePartProblem(name)
    }

    /// Label values: empty, or ≤ 63 characters of alphanumerics, '-', '_' and '.', starting
    /// and ending alphanumeric.
    static func labelValueProblem(_ value: String) -> String? {
        value.isEmpty ? nil : qualifiedNamePartProblem(Substring(value))
    }

    /// `part` is not empty.
    private static func qualifiedNamePartProblem(_ part: Substring) -> String? {
        let bytes = part.utf8
        if bytes.count > 63 { return "must be no more than 63 characters" }
        guard qualifiedNamePartCharactersValid(bytes) else {
            return "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        }
        return nil
    }

    /// `bytes` is not empty.
    private static func qualifiedNamePartCharactersValid<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Bool {
        let allowed = bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
        return allowed && isAlnum(bytes.first!) && isAlnum(bytes.last!)
    }

    // MARK: ASCII bytes

    /// `labelKeyProblem(key) == nil` for a key of ASCII bytes (the JSON fast path reads labels
    /// in place, before making Strings of them): the same checks.
    static func isLabelKey(ascii key: UnsafeBufferPointer<UInt8>) -> Bool {
        var name = key[...]
        // ASCII: the first '/' byte is the first "/" Character.
        if let slash = key.firstIndex(of: UInt8(ascii: "/")) {
            let prefix = key[..<slash]
            guard !prefix.isEmpty, prefix.count <= 253, subdomainLabelsValid(prefix) else { return false }
            name = key[(slash + 1)...]
        }
        return !name.isEmpty && name.count <= 63 && qualifiedNamePartCharactersValid(name)
    }

    /// `dns1123LabelProblem(name) == nil` for a name of ASCII bytes.
    static func isDNS1123Label(ascii name: UnsafeBufferPointer<UInt8>) -> Bool {
        !name.isEmpty && name.count <= 63 && labelCharactersValid(name)
    }

    /// `dns1035LabelProblem(name) == nil` for a name of ASCII bytes.
    static func isDNS1035Label(ascii name: UnsafeBufferPointer<UInt8>) -> Bool {
        isDNS1123Label(ascii: name) && name[0] >= UInt8(ascii: "a") && name[0] <= UInt8(ascii: "z")
    }

    /// `dns1123SubdomainProblem(name) == nil` for a name of ASCII bytes.
    static func isDNS1123Subdomain(ascii name: UnsafeBufferPointer<UInt8>) -> Bool {
        !name.isEmpty && name.count <= 253 && subdomainLabelsValid(name)
    }

    /// `labelValueProblem(value) == nil` for a value of ASCII bytes.
    static func isLabelValue(ascii value: UnsafeBufferPointer<UInt8>) -> Bool {
        value.isEmpty || (value.count <= 63 && qualifiedNamePartCharactersValid(value))
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}
