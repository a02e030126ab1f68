import NetfilterNetlink
import NetworkAddresses

/// A rule, chain or table read back from the kernel that the rule model cannot hold, with
/// where it is: like the iptables-save parser's errors, enough to find it with
/// `nft --debug=netlink list chain ip nat KUBE-SERVICES` or `iptables -L --line-numbers`.
public struct RuleDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public var family: IPFamily
    public var table: String?
    public var chain: String?
    /// 1-based position of the rule in its chain, as `iptables -L --line-numbers` counts.
    public var rule: Int?
    /// The expression that could not be read, in nft's debug notation; nil when the problem is
    /// the rule, chain or table as a whole.
    public var expression: String?
    public var message: String

    public init(family: IPFamily, table: String? = nil, chain: String? = nil, rule: Int? = nil,
                expression: String? = nil, message: String) {
        self.family = family
        self.table = table
        self.chain = chain
        self.rule = rule
        self.expression = expression
        self.message = message
    }

    public var description: String {
        var place = NetfilterFamily(family).description
        if let table { place += " \(table)" }
        if let chain { place += " chain \(chain)" }
        if let rule { place += " rule \(rule)" }
        return "\(place): \(message)" + (expression.map { " (in: \($0))" } ?? "")
    }
}

/// What is wrong with one expression of a rule; the rule decoder adds the expression's text
/// and the caller the location.
struct ExpressionProblem: Error {
    let message: String
    /// Index of the offending expression in the rule, nil for the rule as a whole.
    let index: Int?

    init(_ message: String, at index: Int?) {
        self.message = message
        self.index = index
    }
}
