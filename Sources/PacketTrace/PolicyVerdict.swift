import RuleModel

/// What NetworkPolicy did to one traced outcome. The tracer walks policy chains like any other
/// chain; their provenance (`Provenance.networkPolicy`) says which decision was the policy's.
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
