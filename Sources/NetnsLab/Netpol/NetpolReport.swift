/// What real packets showed for every probe line of a case.
public struct NetpolReport: Sendable {
    public enum Status: String, Sendable {
        case passed, failed, skipped
    }

    public struct Entry: Sendable {
        public var line: ProbeLine
        /// nil when skipped.
        public var observed: ProbeVerdict?
        public var outcome: ProbeOutcome?
        public var skipReason: String?
        public var seconds: Double

        public var status: Status {
            guard let observed else { return .skipped }
            return observed == line.verdict ? .passed : .failed
        }
    }

    /// Wall-clock seconds of each phase.
    public struct Timings: Sendable {
        public var setup = 0.0
        public var probing = 0.0
        public var teardown = 0.0
        public var total: Double { setup + probing + teardown }
    }

    public var caseName: String
    /// In expected.txt order.
    public var entries: [Entry]
    public var timings = Timings()
    public var hostCount = 0

    public var passed: Int { entries.filter { $0.status == .passed }.count }
    public var failed: Int { entries.filter { $0.status == .failed }.count }
    public var skipped: Int { entries.filter { $0.status == .skipped }.count }
    public var succeeded: Bool { failed == 0 && skipped == 0 }

    /// `N passed, N failed, N skipped`.
    public var summary: String { "\(passed) passed, \(failed) failed, \(skipped) skipped" }

    /// The observed verdicts in the case grammar, so the output is itself a valid expected.txt
    /// body: one `FROM TO PORT/PROTO allow|deny` line per probe that ran, a `# FAILED` comment
    /// before each mismatch, a `# SKIPPED` comment in place of lines that could not run, and
    /// the summary last.
    /// With `onlyProblems`, passing lines are left out.
    public func text(onlyProblems: Bool = false) -> String {
        var lines = ["# case: \(caseName)", "# observed verdicts (real packets)"]
        var section = ""
        for entry in entries {
            if entry.line.section != section {
                section = entry.line.section
                lines.append("## \(section)")
            }
            switch entry.status {
            case .skipped:
                lines.append("# SKIPPED (line \(entry.line.lineNumber)) \(entry.line.text(verdict: entry.line.verdict)): \(entry.skipReason ?? "")")
            case .failed:
                lines.append("# FAILED (line \(entry.line.lineNumber)) expected \(entry.line.verdict.rawValue), connection \(entry.outcome.map { "\($0)" } ?? "?")")
                lines.append(entry.line.text(verdict: entry.observed!))
            case .passed:
                if !onlyProblems { lines.append(entry.line.text(verdict: entry.observed!)) }
            }
        }
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }
}
