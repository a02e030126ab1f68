import RuleModel

/// Recognises the chains the NetworkPolicy compiler adds to the filter table. The tracer walks
/// them like any other chain; this only lets it say which decision was the policy's.
public protocol PolicyChainRecognizer: Sendable {
    func isPolicyChain(table: String, chain: ChainName) -> Bool
}

/// Policy chains named by a prefix.
public struct ChainPrefixRecognizer: PolicyChainRecognizer {
    public let prefixes: [String]

    public init(prefixes: [String]) {
        self.prefixes = prefixes
    }

    public func isPolicyChain(table: String, chain: ChainName) -> Bool {
        prefixes.contains { chain.hasPrefix($0) }
    }
}

/// What NetworkPolicy did to one traced outcome.
public enum PolicyVerdict: Sendable, Hashable, Codable {
    /// A policy chain dropped or rejected the packet.
    case denied(chain: String, rule: Int?)
    /// The packet went through policy chains and was not stopped by them.
    case allowed(chains: [String])
    /// The packet met no policy chain.
    case notEvaluated

    public var text: String {
        switch self {
        case .denied(let chain, let rule): return "denied by \(chain)" + (rule.map { " rule \($0)" } ?? " (policy)")
        case .allowed(let chains): return "allowed (through \(chains.joined(separator: ", ")))"
        case .notEvaluated: return "no policy chain on the path"
        }
    }
}
