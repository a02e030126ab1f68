import KubeProxyIPTables
import NetworkAddresses
import PacketTrace
import RuleModel
import ServiceCompiler

/// Compares an iptables-mode side with an nftables-mode side by behaviour, since their rules
/// have nothing in common: every entry point either side serves (per Service port, entry
/// point and family) is probed with the same packets through both, and what happens is
/// compared — endpoints and their exact probabilities, masquerading, drop or reject (which
/// covers source ranges and traffic policies), and the session-affinity timeout of the
/// chains walked. Differences the two modes have on purpose are reported apart.
public struct MigrationDiffer: Sendable {
    public init() {}

    public func compare(_ a: [Ruleset], _ b: [Ruleset], sideA: String, sideB: String) -> MigrationReport {
        var report = MigrationReport(sideA: sideA, sideB: sideB, backendA: RulesetBackend.of(a)?.rawValue ?? "none",
                                     backendB: RulesetBackend.of(b)?.rawValue ?? "none")
        var byPort: [String: [MigrationDifference]] = [:]
        var portNames = Set<String>()
        for family in IPFamily.allCases {
            var left = a.first { $0.family == family }, right = b.first { $0.family == family }
            for (side, label) in [(\MigrationSides.left, "A"), (\MigrationSides.right, "B")] {
                var sides = MigrationSides(left: left, right: right)
                if let ruleset = sides[keyPath: side], let restored = KubeProxyBuiltinJumps.restored(ruleset) {
                    sides[keyPath: side] = restored
                    report.notes.append("\(family.rawValue) \(label): the built-in chains are empty (a restore payload); "
                        + "kube-proxy's jumps into its chains were added to compare behaviour")
                }
                (left, right) = (sides.left, sides.right)
            }
            guard let left, let right else {
                if left != nil || right != nil {
                    report.notes.append("\(family.rawValue): only \(left == nil ? "B" : "A") has rules; not compared")
                }
                continue
            }
            var entries: [MigrationEntryPoint.Key: MigrationEntryPoint] = [:]
            // The iptables side names external and load-balancer IPs apart; nftables mode cannot.
            for entry in MigrationEntryPoints.find(left) + MigrationEntryPoints.find(right) {
                if let known = entries[entry.key], known.kind != .externalOrLoadBalancerIP { continue }
                entries[entry.key] = entry
            }
            let probes = MigrationProbes(family: family, rulesets: [left, right])
            let affinityA = Behaviour.affinityIndex(left), affinityB = Behaviour.affinityIndex(right)
            for entry in entries.values.sorted() {
                portNames.insert(entry.servicePort)
                report.comparedEntryPoints += 1
                for probe in probes.probes(entry) {
                    report.comparedProbes += 1
                    let behaviourA = Behaviour(probes.environment, left, affinityA, probe)
                    let behaviourB = Behaviour(probes.environment, right, affinityB, probe)
                    guard behaviourA != behaviourB else { continue }
                    byPort[entry.servicePort, default: []].append(MigrationDifference(
                        family: family.rawValue, entryPoint: entry.label, probe: probe.label,
                        a: behaviourA.lines, b: behaviourB.lines, byDesign: probe.byDesign))
                }
            }
            if Self.dropsInvalid(left) != Self.dropsInvalid(right) {
                report.byDesignNotes.append("\(family.rawValue): " + MigrationByDesign.conntrackInvalid)
            }
        }
        report.comparedServicePorts = portNames.count
        report.servicePorts = byPort.keys.sorted().map { MigrationServicePort(name: $0, differences: byPort[$0]!) }
        return report
    }

    /// iptables mode's `-m conntrack --ctstate INVALID -j DROP`.
    static func dropsInvalid(_ ruleset: Ruleset) -> Bool {
        ruleset.tables.contains { table in
            table.chains.contains { chain in
                chain.rules.contains { rule in
                    rule.verdict == .drop && rule.matches.contains { $0 == .conntrackState([.invalid]) }
                }
            }
        }
    }
}

private struct MigrationSides {
    var left: Ruleset?
    var right: Ruleset?
}

/// What happens to one probe on one side, as comparable lines: each distinct ending with its
/// total probability, then the affinity timeouts of the chains the packet went through.
struct Behaviour: Equatable {
    let lines: [String]

    /// Affinity timeouts by table and chain, for the chains that check one.
    typealias AffinityIndex = [String: [ChainName: [UInt32]]]

    static func affinityIndex(_ ruleset: Ruleset) -> AffinityIndex {
        var index: AffinityIndex = [:]
        for table in ruleset.tables {
            for chain in table.chains {
                let seconds = affinitySeconds(chain, table)
                if !seconds.isEmpty { index[table.name, default: [:]][chain.name] = seconds }
            }
        }
        return index
    }

    init(_ environment: TraceEnvironment, _ ruleset: Ruleset, _ affinityIndex: AffinityIndex, _ probe: MigrationProbes.Probe) {
        var environment = environment
        environment.origin = probe.origin
        let result = PacketTracer(ruleset: ruleset, environment: environment).trace(probe.packet)
        var endings: [String: Probability] = [:]
        var order: [String] = []
        var affinity = Set<UInt32>()
        for outcome in result.outcomes {
            let ending = Behaviour.ending(outcome)
            if let known = endings[ending] { endings[ending] = known.adding(outcome.probability) } else {
                endings[ending] = outcome.probability
                order.append(ending)
            }
            for step in outcome.steps {
                if let seconds = affinityIndex[step.table]?[step.chain] { affinity.formUnion(seconds) }
            }
        }
        lines = order.sorted().map { "\(endings[$0]!) \($0)" }
            + affinity.sorted().map { "session affinity for \($0)s" }
    }

    /// `-> 10.180.0.1:8080, masqueraded, passes`.
    static func ending(_ outcome: TraceOutcome) -> String {
        var text = outcome.dnatTarget.map { "-> \($0)" } ?? "no DNAT"
        if outcome.masqueraded { text += ", masqueraded" }
        switch outcome.disposition {
        case .delivered, .forwarded: text += ", passes"
        case .dropped: text += ", dropped"
        case .rejected: text += ", rejected"
        case .unresolved(let reason): text += ", unresolved (\(reason))"
        }
        return text
    }

    /// `-m recent --rcheck --seconds N`, or a lookup in a set whose elements time out.
    static func affinitySeconds(_ chain: Chain, _ table: Table) -> [UInt32] {
        var seconds: [UInt32] = []
        for rule in chain.rules {
            for match in rule.matches {
                switch match {
                case .recent(_, .check(let value, _)): seconds.append(value)
                case .inSet(_, let name, _):
                    if let set = table.sets.first(where: { $0.name == name }), set.flags.contains(.timeout),
                       let value = set.timeoutSeconds {
                        seconds.append(value)
                    }
                default: break
                }
            }
        }
        return seconds
    }
}
