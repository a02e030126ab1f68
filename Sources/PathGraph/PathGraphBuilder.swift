import PacketTrace
import RuleModel

/// Builds a Service's graph from traces of packets sent to each of its entry points: the
/// chains come from the walks through the rule model, so the picture shows what the rules do,
/// not what kube-proxy is supposed to do.
public struct PathGraphBuilder {
    public private(set) var graph: PathGraph

    public init(title: String) {
        graph = PathGraph(title: title)
    }

    /// Adds the paths of `result`, a trace of a packet to the entry point `entry`.
    public mutating func add(entry: String, _ result: TraceResult) {
        let entryID = "entry:" + entry
        graph.addNode(entryID, label: entry, kind: .entry)
        for outcome in result.outcomes { add(outcome, from: entryID) }
    }

    private mutating func add(_ outcome: TraceOutcome, from entryID: String) {
        var current = entryID
        // The nat walk up to DNAT: chains entered, side trips that came back, the endpoint.
        let steps = outcome.steps
        var dnatDone = false
        for (index, step) in steps.enumerated() where step.taken && step.table == "nat" && !dnatDone {
            let chainID = PathGraphBuilder.chainID(step.table, step.chain)
            if PathGraphBuilder.isBuiltin(step.chain) {
                if let target = step.target {
                    let targetID = PathGraphBuilder.chainID(step.table, target)
                    graph.addNode(targetID, label: target.description, kind: .chain)
                    graph.addEdge(from: current, to: targetID, label: "")
                    current = targetID
                }
                continue
            }
            graph.addNode(chainID, label: step.chain.description, kind: .chain)
            if let target = step.target {
                let targetID = PathGraphBuilder.chainID(step.table, target)
                graph.addNode(targetID, label: target.description, kind: .chain)
                // A jump whose chain the walk comes back to later is a side trip.
                let comesBack = steps[(index + 1)...].contains { $0.table == step.table && $0.chain == step.chain }
                graph.addEdge(from: chainID, to: targetID, label: label(step, share: share(of: index, in: steps)), returns: comesBack)
                if !comesBack { current = targetID }
            } else if step.effect.hasPrefix("DNAT"), let target = outcome.dnatTarget {
                let endpointID = "endpoint:" + target
                graph.addNode(endpointID, label: target, kind: .endpoint)
                graph.addEdge(from: chainID, to: endpointID, label: outcome.masqueraded ? "DNAT, then SNAT (masquerade)" : "DNAT")
                current = endpointID
                dnatDone = true
            }
        }
        // How the branch ends when it does not simply go on to its endpoint.
        switch outcome.disposition {
        case .dropped(let table, let chain, _), .rejected(let table, let chain, _):
            let verb = { if case .dropped = outcome.disposition { return "DROP" } else { return "REJECT" } }()
            let verdictID = "verdict:\(verb):\(table):\(chain)"
            graph.addNode(verdictID, label: "\(verb)\n\(table) \(chain)", kind: .verdict)
            let reason = outcome.steps.last { $0.chain == chain }.flatMap { $0.ruleText.commentText }
                .map(PathGraphBuilder.withoutServicePortName) ?? ""
            graph.addEdge(from: current, to: verdictID, label: reason)
        case .unresolved(let reason):
            let verdictID = "verdict:unresolved:\(reason)"
            graph.addNode(verdictID, label: "unresolved: \(reason)", kind: .verdict)
            graph.addEdge(from: current, to: verdictID, label: "")
        case .delivered, .forwarded:
            if outcome.dnatTarget == nil {
                let verdictID = "verdict:unchanged"
                graph.addNode(verdictID, label: "no DNAT: passed on unchanged", kind: .verdict)
                graph.addEdge(from: current, to: verdictID, label: "")
            }
        }
    }

    /// The chance of a dispatch step within its own chain: the draws not taken before it and
    /// its own (nil when no draw led to it).
    private func share(of index: Int, in steps: [TraceStep]) -> Probability? {
        let step = steps[index]
        let draws = steps[...index].filter { $0.table == step.table && $0.chain == step.chain && $0.draw != nil }
        guard !draws.isEmpty else { return nil }
        return draws.reduce(Probability.one) { $0.multiplied(by: $1.draw!) }
    }

    private func label(_ step: TraceStep, share: Probability?) -> String {
        if let share { return "\(share) (\(share.percentText))" }
        return step.ruleText.commentText.map(PathGraphBuilder.withoutServicePortName) ?? ""
    }

    static func chainID(_ table: String, _ chain: ChainName) -> String { "chain:\(table):\(chain)" }

    static func isBuiltin(_ chain: ChainName) -> Bool { Hook(rawValue: chain.description) != nil }

    /// `ns/svc:port cluster IP` → `cluster IP`: the graph is about one Service already; and
    /// only the first clause of long comments (`kubernetes service nodeports; NOTE: ...`).
    static func withoutServicePortName(_ comment: String) -> String {
        let clause = comment.split(separator: ";", maxSplits: 1).first.map(String.init) ?? comment
        return clause.split(separator: " ").filter { !($0.contains("/") && !$0.hasPrefix("KUBE-")) }.joined(separator: " ")
    }
}

extension String {
    /// The `--comment` of a rule in restore spelling, unquoted.
    var commentText: String? {
        let marker = Array("--comment ".utf8)
        let bytes = Array(utf8)
        guard bytes.count >= marker.count,
              let start = (0...(bytes.count - marker.count)).first(where: { bytes[$0..<($0 + marker.count)].elementsEqual(marker) }) else {
            return nil
        }
        let rest = Substring(String(decoding: bytes[(start + marker.count)...], as: UTF8.self))
        if rest.hasPrefix("\"") {
            var text = ""
            var escaped = false
            for character in rest.dropFirst() {
                if escaped { text.append(character); escaped = false; continue }
                if character == "\\" { escaped = true; continue }
                if character == "\"" { break }
                text.append(character)
            }
            return text
        }
        return String(rest.prefix { $0 != " " })
    }
}
