import NetworkAddresses
import RuleModel

/// Compares two rulesets semantically (LAYOUT.md §12): what the kernel canonicalises (option
/// order, /32 and /128 hosts, comment quoting, MARK and REJECT spellings, recent's defaults,
/// probabilities to 31 bits), chain order and counters never count as differences.
public struct RulesetDiffer: Sendable {
    /// Service-port names known besides those in comments (e.g. from the manifests), used to
    /// name chains by recomputing their hashes.
    public var names: ServicePortNames

    public init(names: ServicePortNames = ServicePortNames()) {
        self.names = names
    }

    /// Compares the rulesets of each family present on either side. `notes` receives remarks
    /// about what was not compared.
    public func compare(_ a: [Ruleset], _ b: [Ruleset], sideA: String, sideB: String) -> DiffReport {
        var notes: [String] = []
        var families: [FamilyDiff] = []
        for family in IPFamily.allCases {
            let left = a.first { $0.family == family }, right = b.first { $0.family == family }
            switch (left, right) {
            case (let l?, let r?):
                families.append(compare(l, r, notes: &notes))
            case (.some, nil), (nil, .some):
                notes.append("\(family.rawValue): only \(left == nil ? "B" : "A") has rules; not compared")
            default:
                break
            }
        }
        return DiffReport(sideA: sideA, sideB: sideB, families: families, notes: notes)
    }

    func compare(_ a: Ruleset, _ b: Ruleset, notes: inout [String]) -> FamilyDiff {
        // Names either side shows can name the other side's chains by their hash.
        var names = self.names
        for ruleset in [a, b] { ParsedProvenance.addNames(in: ruleset, to: &names) }
        var left = RulesetView(ParsedProvenance.attributed(a, names: names))
        var right = RulesetView(ParsedProvenance.attributed(b, names: names))
        let fingerprints = left.fingerprints.merging(right.fingerprints) { first, _ in first }
        let entryChains = left.entryChains.union(right.entryChains)
        left.adopt(fingerprints, in: entryChains)
        right.adopt(fingerprints, in: entryChains)
        var diff = FamilyDiff(family: a.family.rawValue)
        let servicePorts = ServicePortComparison(family: a.family, a: left, b: right)
        for name in Set(left.servicePorts.keys).union(right.servicePorts.keys).sorted() {
            if let change = servicePorts.compare(name) { diff.servicePorts.append(change) }
        }
        compareNodeChains(left, right, into: &diff, notes: &notes)
        return diff
    }

    private func compareNodeChains(_ left: RulesetView, _ right: RulesetView, into diff: inout FamilyDiff, notes: inout [String]) {
        let family = left.family
        // A restore payload (or a dump of one) has empty built-in chains: kube-proxy adds its
        // jumps there separately. Comparing those chains with a side that has the jumps would
        // only report that.
        var skippedTables = Set<String>()
        for table in Set(left.nodeChains.keys.map(\.table)).union(right.nodeChains.keys.map(\.table)).sorted() {
            let leftHas = left.tablesWithBaseRules.contains(table), rightHas = right.tablesWithBaseRules.contains(table)
            if leftHas != rightHas {
                skippedTables.insert(table)
                notes.append("\(family.rawValue) \(table): built-in chains have rules only in \(leftHas ? "A" : "B") "
                    + "(the other side looks like a restore payload without kube-proxy's jump rules); built-in chains not compared")
            }
        }
        for key in Set(left.nodeChains.keys).union(right.nodeChains.keys).sorted() {
            let l = left.nodeChains[key], r = right.nodeChains[key]
            let isBase = (l?.policyAccepts ?? r?.policyAccepts) != nil
            if isBase && skippedTables.contains(key.table) { continue }
            switch (l, r) {
            case (let l?, let r?):
                let (onlyA, onlyB) = SequenceDiff.difference(l.rules.map { RuleKey($0, family: family) },
                                                             r.rules.map { RuleKey($0, family: family) })
                let policyChanged = l.policyAccepts != nil && r.policyAccepts != nil && l.policyAccepts != r.policyAccepts
                if !onlyA.isEmpty || !onlyB.isEmpty || policyChanged {
                    diff.chains.append(ChainDiff(
                        table: key.table, chain: key.chain.description, onlyInA: onlyA.map(\.text), onlyInB: onlyB.map(\.text),
                        policyA: policyChanged ? policyText(l.policyAccepts) : nil,
                        policyB: policyChanged ? policyText(r.policyAccepts) : nil))
                }
            case (let l?, nil):
                // A built-in chain is always there; only its rules can be missing.
                if isBase {
                    if !l.rules.isEmpty { diff.chains.append(ChainDiff(table: key.table, chain: key.chain.description,
                                                                       onlyInA: l.rules.map { RuleKey($0, family: family).text })) }
                } else {
                    diff.missingChains.append(ChainSummary(key, l.rules, family: family))
                }
            case (nil, let r?):
                if isBase {
                    if !r.rules.isEmpty { diff.chains.append(ChainDiff(table: key.table, chain: key.chain.description,
                                                                       onlyInB: r.rules.map { RuleKey($0, family: family).text })) }
                } else {
                    diff.extraChains.append(ChainSummary(key, r.rules, family: family))
                }
            default:
                break
            }
        }
    }

    private func policyText(_ accepts: Bool?) -> String? {
        accepts.map { $0 ? "ACCEPT" : "DROP" }
    }
}
