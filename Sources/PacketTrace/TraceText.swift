/// The trace for people: a summary line per outcome, then each outcome's path. Later outcomes
/// only show where they leave the path of the outcome before them.
extension TraceResult {
    public func text(maximumPaths: Int = 10) -> String {
        var lines: [String] = []
        lines.append("packet: \(packet) (first packet of a new connection, from \(origin == .network ? "the network" : "the node itself"))")
        for note in notes { lines.append("note: \(note)") }
        lines.append("\(outcomes.count) outcome\(outcomes.count == 1 ? "" : "s"):")
        for (index, outcome) in outcomes.enumerated() {
            lines.append("  [\(index + 1)] \(outcome.probability) (\(outcome.probability.percentText))  \(outcome.summary)")
        }
        for (index, outcome) in outcomes.enumerated().prefix(maximumPaths) {
            lines.append("")
            lines.append("[\(index + 1)] \(outcome.probability) (\(outcome.probability.percentText)): \(outcome.summary)")
            var shared = 0
            if index > 0 {
                let previous = outcomes[index - 1].steps
                while shared < min(previous.count, outcome.steps.count) && previous[shared] == outcome.steps[shared] { shared += 1 }
                if shared > 0 {
                    let last = outcome.steps[shared - 1]
                    lines.append("    ... as [\(index)] through \(last.table) \(last.chain) rule \(last.ruleNumber.map(String.init) ?? "policy")")
                }
            }
            var chain = shared > 0 ? "\(outcome.steps[shared - 1].table) \(outcome.steps[shared - 1].chain)" : ""
            for step in outcome.steps[shared...] {
                let here = "\(step.table) \(step.chain)"
                if here != chain {
                    lines.append("  \(here)")
                    chain = here
                }
                lines.append("    \(step.ruleNumber.map { "rule \($0)" } ?? "policy"): \(step.ruleText)")
                lines.append("      => \(step.effect)")
            }
            for note in outcome.notes { lines.append("  note: \(note)") }
            if outcome.policy != .notEvaluated { lines.append("  policy: \(outcome.policy.text)") }
        }
        if outcomes.count > maximumPaths {
            lines.append("")
            lines.append("(\(outcomes.count - maximumPaths) more paths not shown)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension TraceOutcome {
    /// `DNAT to 10.180.0.1:80, forwarded, masqueraded`.
    public var summary: String {
        var parts: [String] = []
        if let dnatTarget { parts.append("DNAT to \(dnatTarget)") }
        parts.append(disposition.text)
        if disposition.passes { parts.append(masqueraded ? "masqueraded" : "not masqueraded") }
        return parts.joined(separator: ", ")
    }
}
