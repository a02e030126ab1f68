import RuleModel

/// What the trace assumes about targets the rule model keeps only verbatim, by what iptables
/// documents them to do.
enum UnmodelledTargets {
    enum Kind {
        /// Logs, counts or traces; the packet goes on untouched.
        case observes
        /// Changes marks, headers or conntrack data and lets the packet go on.
        case changesState
        /// Address translation: ends the nat table's traversal like DNAT and MASQUERADE.
        case translates
        /// Hands the packet elsewhere (a queue, a proxy): where it goes is unknown.
        case unknown
    }

    static func kind(_ name: String) -> Kind {
        switch name {
        case "LOG", "NFLOG", "ULOG", "AUDIT", "TRACE", "IDLETIMER", "LED", "RATEEST": return .observes
        case "CONNMARK", "TCPMSS", "CHECKSUM", "CLASSIFY", "DSCP", "TOS", "TTL", "HL", "SECMARK", "CONNSECMARK",
             "SET", "CT", "NOTRACK", "TEE", "MARK": return .changesState
        case "SNAT", "NETMAP", "REDIRECT", "DNAT", "MASQUERADE": return .translates
        default: return .unknown
        }
    }

    /// A rule whose outcome does not depend on whether it matches: no target, or one that
    /// only observes.
    static func onlyObserves(_ verdict: Verdict?) -> Bool {
        guard let verdict else { return true }
        guard let name = verdict.unrecognizedTarget else { return false }
        return kind(name) == .observes
    }

    /// How the notes of a branch taken at a rule that could not be evaluated begin.
    static let assumption = "assumed: "
}
