import ArgumentParser
import ClusterState
import NetfilterApply
import NetworkAddresses
import NetworkNamespaces
import PacketPath
import RuleModel

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Program the rules for the given manifests into a network namespace, over netlink.",
        discussion: """
            Compiles the manifests as `compile` does and writes the result as iptables-nft rules in \
            one atomic nf_tables batch holding only the changes: new chains, chains PacketPath no \
            longer needs, and in a changed chain only the rules that changed; its jump rules in the \
            built-in chains are renewed when they changed. Every other table, chain and rule is left \
            alone. If the kernel refuses the batch, or another program changed the ruleset meanwhile \
            (then it plans again), nothing changes. Applying an unchanged state sends nothing.
            With --backend nftables (or a KubeProxyConfiguration with mode: nftables) it programs \
            kube-proxy's nftables layout natively, as `nft -f` of `compile --backend nftables` would: \
            table ip/ip6 kube-proxy, created in one atomic batch and afterwards changed in place \
            (map elements, changed chains flushed and refilled, stale chains and sets deleted). A \
            kube-proxy table PacketPath did not write is refused unless --take-over is given. Beside \
            them it keeps table ip packetpath-nft, a digest of each chain, set and map it wrote, so \
            that the next apply reads back only what changed (`reset` removes it too).
              packetpath apply examples/shop.yaml --netns node-1
              packetpath apply manifests/ --netns-path /proc/4242/ns/net --dry-run
            With --watch it stays running: each change to the files is applied as it is saved \
            (one line on stderr per change), until SIGINT or SIGTERM; the layout is the one the \
            first state selects (or --backend), and after its own commit nothing is read back.
              packetpath apply manifests/ --netns node-1 --watch
            """)

    @Argument(help: "Manifest files or directories (YAML or JSON, multi-document, lists allowed); '-' reads stdin.")
    var files: [String]

    @OptionGroup var input: InputOptions

    @OptionGroup var target: NamespaceTarget

    @Option(help: "IP family: ipv4, ipv6 or both. Default: the NodeConfig's ipFamily, else every family in the input.")
    var family: FamilySelection?

    @Option(help: "Backend: iptables or nftables. Default: the KubeProxyConfiguration's mode, else iptables.")
    var backend: ProxyMode?

    @Flag(name: .customLong("take-over"), help: "nftables backend: replace a kube-proxy table PacketPath did not write.")
    var takeOver = false

    @Flag(name: .customLong("dry-run"), help: "Print the changes as iptables-restore --noflush input (nft -f input for the nftables layout); send nothing.")
    var dryRun = false

    @Option(name: [.customShort("o"), .long], help: "Output format: text or json (counts per kind of operation).")
    var output: OutputFormat = .text

    @Flag(help: "Keep running: watch the files and apply each change as a minimal batch, until SIGINT/SIGTERM.")
    var watch = false

    func run() throws {
        let namespace = try CLIInput.run { try target.namespace() }
        if watch { return try runWatch(namespace) }
        // What the apply reads first does not depend on the manifests: read while they decode.
        // Without --backend the layout is known only after decoding: read for the one the
        // namespace holds.
        let readAhead = switch backend {
        case .nftables: NFTablesApplier().readAhead(namespace)
        case .iptables: NetfilterApplier().readAhead(namespace)
        case nil: KernelReadAhead.eitherLayout(namespace)
        }
        let loaded = try CLIInput.load(files, input)
        let families = family?.families ?? Pipeline.defaultFamilies(for: loaded.state)
        let rulesets = (backend ?? Pipeline.defaultBackend(for: loaded.state)) == .nftables
            ? try runNFTables(loaded.state, families: families, namespace: namespace, readAhead: readAhead)
            : try runIPTables(loaded.state, families: families, namespace: namespace, readAhead: readAhead)
        // Done: exit without freeing the cluster state and rule model piece by piece (at
        // 10,000 Services that took a tenth of a second).
        withExtendedLifetime((loaded, rulesets)) { Self.exit() }
    }

    /// Applies the iptables layout; returns the rulesets, for the caller to keep until exit.
    private func runIPTables(_ state: ClusterState, families: [IPFamily], namespace: NetworkNamespace,
                             readAhead: KernelReadAhead?) throws -> [Ruleset] {
        let rulesets = Pipeline.compile(state, families: families)
        let ruleCount = rulesets.reduce(0) { $0 + $1.ruleCount }
        // Large applies report their steps on stderr.
        let applier = NetfilterApplier(options: ApplyOptions(host: target.host, dryRun: dryRun,
                                                             progress: ruleCount >= 10_000 ? Self.printProgress : nil))
        let report = try CLIInput.run { try applier.apply(rulesets, into: namespace, readAhead: readAhead) }
        let removed = dryRun ? nil : try CLIInput.run { try applier.removeOtherLayout(in: namespace) }
        Self.warnAboutLegacy(report)
        if output == .json {
            try StandardStreams.writeJSON(ApplyJSON(report, namespace: namespace))
        } else if let text = report.dryRunText {
            StandardStreams.writeOut(Array(text.utf8))
        } else {
            StandardStreams.writeOut(Array((Self.summary(report, rules: ruleCount, namespace: namespace) + "\n").utf8))
            Self.reportRemoved(removed, layout: "nftables", namespace: namespace)
        }
        return rulesets
    }

    /// Applies the nftables layout; returns the rulesets, for the caller to keep until exit.
    private func runNFTables(_ state: ClusterState, families: [IPFamily], namespace: NetworkNamespace,
                             readAhead: KernelReadAhead?) throws -> [Ruleset] {
        let rulesets = Pipeline.compileNFTables(state, families: families)
        let ruleCount = rulesets.reduce(0) { $0 + $1.ruleCount }
        // The digest record lets the next `apply` process read back only what it changes.
        let applier = NFTablesApplier(options: ApplyOptions(host: target.host, dryRun: dryRun), takeOver: takeOver,
                                      recordDigests: true)
        let report = try CLIInput.run { try applier.apply(rulesets, into: namespace, readAhead: readAhead) }
        let removed = dryRun ? nil : try CLIInput.run { try applier.removeOtherLayout(in: namespace) }
        defer { Self.reportRemoved(removed, layout: "iptables", namespace: namespace) }
        if output == .json {
            try StandardStreams.writeJSON(ApplyJSON(report, namespace: namespace))
            return rulesets
        }
        if let text = report.dryRunText, !text.isEmpty {
            StandardStreams.writeOut(Array(text.utf8))
            return rulesets
        }
        let tables = rulesets.flatMap { $0.tables.map { "\($0.family?.rawValue ?? "ip") \($0.name)" } }.joined(separator: ", ")
        let text: String
        let changes = "\(report.chainsCreated) chains created, \(report.chainsDeleted) deleted, "
            + "\(report.rulesWritten) rules written, \(report.rulesDeleted) deleted"
        switch report.outcome {
        case .dryRun: text = "dry run for \(namespace): \(tables) (\(ruleCount) rules) would change: \(changes); nothing sent"
        case .unchangedSinceLastApply, .unchangedAfterReadBack:
            text = "\(namespace) is already up to date (\(tables), \(ruleCount) rules); nothing sent"
        default:
            let batches = report.transactions > 1
                ? "\(report.transactions) transactions (new tables staged, made reachable by the last)" : "one batch"
            text = "applied \(ruleCount) rules to \(namespace) as nftables table \(tables): \(changes), "
                + "\(batches) of \(report.messages) messages"
        }
        StandardStreams.writeOut(Array((text + "\n").utf8))
        return rulesets
    }

    /// One stderr line when the apply removed PacketPath's rules of the other layout.
    static func reportRemoved(_ report: ApplyReport?, layout: String, namespace: NetworkNamespace) {
        guard let report, report.outcome != .nothingOwned else { return }
        StandardStreams.writeError("note: removed PacketPath's \(layout) layout from \(namespace) (one batch of \(report.messages) messages): "
            + "a namespace runs one layout at a time")
    }

    /// iptables-legacy rules in the namespace: netlink cannot see them, packets still pass them.
    static func warnAboutLegacy(_ report: ApplyReport) {
        if let warning = report.legacyWarning { StandardStreams.writeError("warning: " + warning) }
    }

    @Sendable static func printProgress(_ step: ApplyProgress) {
        StandardStreams.writeError("packetpath: \(step)")
    }

    static func summary(_ report: ApplyReport, rules: Int, namespace: NetworkNamespace) -> String {
        switch report.outcome {
        case .applied:
            return "applied \(rules) rules to \(namespace): \(report.chainsCreated) chains created, "
                + "\(report.chainsDeleted) deleted, \(report.rulesWritten) rules written, \(report.rulesDeleted) deleted, "
                + "one batch of \(report.messages) messages"
        case .unchangedSinceLastApply, .unchangedAfterReadBack:
            return "\(namespace) is already up to date (\(rules) rules); nothing sent"
        case .dryRun:
            return "dry run for \(namespace): nothing sent"
        case .nothingOwned:
            return "PacketPath owns nothing in \(namespace); nothing sent"
        }
    }
}
