import NetworkAddresses

/// Field readers shared by several kinds.
extension YAMLValue {
    /// A port number in 1...65535.
    func port() throws -> Int {
        let value = try int()
        guard (1...65535).contains(value) else {
            throw FieldError("\(value) is not a valid port (1-65535)", at: mark)
        }
        return value
    }

    /// A port number in 0...65535 (0 = none).
    func optionalPort() throws -> Int {
        let value = try int()
        guard (0...65535).contains(value) else {
            throw FieldError("\(value) is not a valid port (0-65535)", at: mark)
        }
        return value
    }

    func kubeProtocol() throws -> KubeProtocol {
        let text = try string()
        guard let value = KubeProtocol(rawValue: text) else {
            throw FieldError("unknown protocol \(quoted(text)) (supported: TCP, UDP, SCTP)", at: mark)
        }
        return value
    }

    /// A number, or a container-port name following the IANA service-name rules.
    func portNumberOrName() throws -> IntOrString {
        switch try intOrString() {
        case .int:
            return .int(try port())
        case .string(let name):
            if let problem = NameRules.ianaServiceNameProblem(name) {
                throw FieldError("\(quoted(name)) is not a valid port name: \(problem)", at: mark)
            }
            return .string(name)
        }
    }

    /// One of `allowed`'s raw values.
    func oneOf<T: RawRepresentable & Equatable>(_ type: T.Type, _ allowed: [T]) throws -> T where T.RawValue == String {
        let text = try string()
        guard let value = T(rawValue: text), allowed.contains(value) else {
            throw FieldError("unsupported value \(quoted(text)) (supported: \(allowed.map(\.rawValue).joined(separator: ", ")))", at: mark)
        }
        return value
    }

    /// Labels or a selector map, with Kubernetes' key and value rules.
    func labels() throws -> [String: String] {
        let map = try stringMap()
        guard kind == .mapping else { return map }
        for pair in YAMLMapping(tree: tree, index: index).scalarKeyedPairs() {
            if let problem = NameRules.labelKeyProblem(pair.key) {
                var error = FieldError("invalid label key \(quoted(pair.key)): \(problem)", at: pair.keyMark)
                error.path = [.key(pair.key)]
                throw error
            }
            if let value = map[pair.key], let problem = NameRules.labelValueProblem(value) {
                var error = FieldError("invalid label value \(quoted(value)): \(problem)", at: pair.value.mark)
                error.path = [.key(pair.key)]
                throw error
            }
        }
        return map
    }
}

extension YAMLMapping {
    func labels(_ key: String) throws -> [String: String] {
        try decode(key) { try $0.labels() } ?? [:]
    }
}

/// A name checked with `rule`; the problem becomes the error message.
func checkName(_ name: String, _ rule: (String) -> String?, at mark: SourceMark?) throws {
    if let problem = rule(name) {
        throw FieldError("\(quoted(name)) is not a valid name: \(problem)", at: mark)
    }
}
