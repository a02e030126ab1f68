/// What of a table read from the kernel the rule model cannot hold: every such rule, set or
/// chain, each named by its place. A table with any of them is not decoded at all — a rule
/// left out could send packets elsewhere, so a partial table would be a wrong answer.
public struct NFTablesDecodingError: Error, CustomStringConvertible, Sendable {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// `chain NAME rule N` (1-based), `set NAME`, `chain NAME`.
        public var place: String
        public var message: String
        /// The expressions of the rule, in nft's debug notation, when a rule is the problem.
        public var expressions: String?

        public var description: String {
            "\(place): \(message)" + (expressions.map { " (in: \($0))" } ?? "")
        }
    }

    /// `ip kube-proxy`.
    public var table: String
    public var problems: [Problem]

    public var description: String {
        let shown = problems.prefix(10).map { "  \($0)" }.joined(separator: "\n")
        let more = problems.count > 10 ? "\n  … and \(problems.count - 10) more" : ""
        let count = problems.count == 1 ? "1 object" : "\(problems.count) objects"
        return "table \(table): \(count) cannot be read into PacketPath's rule model:\n\(shown)\(more)"
    }
}
