/// The report as text for people: one block per Service port, then node-level chains, then
/// whole chains present on one side only.
extension DiffReport {
    public var text: String {
        var lines = ["--- A: \(sideA)", "+++ B: \(sideB)"]
        for family in families {
            family.render(into: &lines)
        }
        for note in notes { lines.append("note: \(note)") }
        let count = differenceCount
        lines.append(count == 0 ? "no differences" : "\(count) difference\(count == 1 ? "" : "s")")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension FamilyDiff {
    fileprivate func render(into lines: inout [String]) {
        if !servicePorts.isEmpty {
            lines.append("")
            lines.append("\(family) service ports:")
            for port in servicePorts { port.render(into: &lines) }
        }
        if !chains.isEmpty {
            lines.append("")
            lines.append("\(family) chains that belong to no service port:")
            for chain in chains { chain.render(into: &lines, indent: "  ") }
        }
        if !extraChains.isEmpty {
            lines.append("")
            lines.append("\(family) chains only in B (drift: no service port accounts for them):")
            for chain in extraChains { chain.render(into: &lines, indent: "  ") }
        }
        if !missingChains.isEmpty {
            lines.append("")
            lines.append("\(family) chains only in A (missing from B):")
            for chain in missingChains { chain.render(into: &lines, indent: "  ") }
        }
    }
}

extension ServicePortDiff {
    fileprivate func render(into lines: inout [String]) {
        let title = "  \(name)" + (`protocol`.map { " (\($0))" } ?? "")
        switch status {
        case .added, .removed:
            lines.append(title + (status == .added ? ": service port added (only in B)" : ": service port removed (only in A)"))
            for entry in entryPoints { lines.append("      \(entry)") }
            for endpoint in endpoints {
                lines.append("      endpoint \(endpoint.endpoint): \(endpoint.share) (\(endpoint.percent)) via \(endpoint.chain)")
            }
            if endpoints.isEmpty { lines.append("      no endpoints") }
            return
        case .changed:
            lines.append(title + ":")
        }
        for endpoint in endpointsRemoved {
            lines.append("    endpoint removed: \(endpoint.endpoint)" + endpoint.shareSuffix(verb: "had"))
        }
        for endpoint in endpointsAdded {
            lines.append("    endpoint added: \(endpoint.endpoint)" + endpoint.shareSuffix(verb: "gets"))
        }
        for change in probabilityChanges {
            lines.append("    probabilities changed in \(change.table) \(change.chain):")
            for entry in change.endpoints {
                let rule = entry.ruleChanged
                    ? "rule \(entry.ruleProbabilityA ?? "-") -> \(entry.ruleProbabilityB ?? "-")"
                    : "rule \(entry.ruleProbabilityB ?? entry.ruleProbabilityA ?? "-")"
                lines.append("      \(entry.endpoint): \(rule); share \(entry.shareA ?? "-") -> \(entry.shareB ?? "-")")
            }
        }
        for change in ruleChanges { change.render(into: &lines, indent: "    ") }
        for chain in missingChains {
            lines.append("    chain only in A: \(chain.table) \(chain.chain) (\(chain.rules.count) rule\(chain.rules.count == 1 ? "" : "s"))")
            for rule in chain.rules { lines.append("      - \(rule)") }
        }
        for chain in extraChains {
            lines.append("    chain only in B: \(chain.table) \(chain.chain) (\(chain.rules.count) rule\(chain.rules.count == 1 ? "" : "s"))")
            for rule in chain.rules { lines.append("      + \(rule)") }
        }
    }
}

extension EndpointShare {
    fileprivate func shareSuffix(verb: String) -> String {
        chain.isEmpty ? " (no dispatch rule jumps to it)" : " (\(verb) \(share), \(percent) of \(chain))"
    }
}

extension ChainDiff {
    fileprivate func render(into lines: inout [String], indent: String) {
        if let policyA, let policyB {
            lines.append("\(indent)\(table) \(chain): policy \(policyA) -> \(policyB)")
        }
        guard !onlyInA.isEmpty || !onlyInB.isEmpty else { return }
        lines.append("\(indent)rules changed in \(table) \(chain):")
        for rule in onlyInA { lines.append("\(indent)  - \(rule)") }
        for rule in onlyInB { lines.append("\(indent)  + \(rule)") }
    }
}

extension ChainSummary {
    fileprivate func render(into lines: inout [String], indent: String) {
        lines.append("\(indent)\(table) \(chain) (\(rules.count) rule\(rules.count == 1 ? "" : "s"))")
        for rule in rules { lines.append("\(indent)    \(rule)") }
    }
}
