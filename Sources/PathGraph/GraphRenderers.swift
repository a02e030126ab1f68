/// Graphviz DOT and Mermaid text for a path graph.
extension PathGraph {
    public var dot: String {
        var lines = ["digraph \(DOTText.quoted(title)) {",
                     "  rankdir=LR;",
                     "  label=\(DOTText.quoted(title)); labelloc=t;",
                     "  node [fontname=\"Helvetica\", fontsize=11];",
                     "  edge [fontname=\"Helvetica\", fontsize=10];"]
        for node in nodes {
            let shape: String
            switch node.kind {
            case .entry: shape = "shape=box, style=\"rounded,filled\", fillcolor=\"#dbeafe\""
            case .chain: shape = "shape=box"
            case .endpoint: shape = "shape=box, style=\"rounded,filled\", fillcolor=\"#dcfce7\""
            case .verdict: shape = "shape=octagon, style=filled, fillcolor=\"#fee2e2\""
            }
            lines.append("  \(DOTText.quoted(node.id)) [label=\(DOTText.quoted(node.label)), \(shape)];")
        }
        for edge in edges {
            var attributes: [String] = []
            if !edge.label.isEmpty { attributes.append("label=\(DOTText.quoted(edge.label))") }
            if edge.returns { attributes.append("style=dashed") }
            lines.append("  \(DOTText.quoted(edge.from)) -> \(DOTText.quoted(edge.to))" + (attributes.isEmpty ? "" : " [\(attributes.joined(separator: ", "))]") + ";")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    public var mermaid: String {
        var lines = ["---", "title: \(title)", "---", "flowchart LR"]
        let ids = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.id, "n\($0)") })
        for node in nodes {
            let text = MermaidText.escaped(node.label)
            let shape: String
            switch node.kind {
            case .entry, .endpoint: shape = "([\"\(text)\"])"
            case .chain: shape = "[\"\(text)\"]"
            case .verdict: shape = "{{\"\(text)\"}}"
            }
            lines.append("  \(ids[node.id]!)\(shape)")
        }
        for edge in edges {
            let arrow = edge.returns ? "-.->" : "-->"
            let label = edge.label.isEmpty ? "" : "|\"\(MermaidText.escaped(edge.label))\"|"
            lines.append("  \(ids[edge.from]!) \(arrow)\(label) \(ids[edge.to]!)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

enum DOTText {
    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result + "\""
    }
}

enum MermaidText {
    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\"": result += "#quot;"
            case "\n": result += "<br/>"
            default: result.append(character)
            }
        }
        return result
    }
}
