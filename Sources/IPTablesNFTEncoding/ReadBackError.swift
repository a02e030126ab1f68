/// Why the iptables-nft tables of a namespace could not be read into the rule model.
public enum ReadBackError: Error, CustomStringConvertible, Sendable {
    /// Rules or chains the rule model cannot hold (rules other tools wrote, say), all of them.
    case undecodable([RuleDecodingError])
    /// The ruleset changed during every attempt to read it.
    case keptChanging(attempts: Int)

    public var description: String {
        switch self {
        case .undecodable(let problems):
            let shown = problems.prefix(10).map { "  \($0)" }.joined(separator: "\n")
            let more = problems.count > 10 ? "\n  … and \(problems.count - 10) more" : ""
            return "\(problems.count) \(problems.count == 1 ? "rule or chain" : "rules or chains") cannot be read into PacketPath's rule model:\n\(shown)\(more)"
        case .keptChanging(let attempts):
            return "the ruleset changed while it was being read, \(attempts) times in a row"
        }
    }
}
