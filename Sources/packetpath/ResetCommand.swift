import ArgumentParser
import NetfilterApply
import NetworkNamespaces

struct ResetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Remove everything PacketPath owns from a network namespace, in one batch.",
        discussion: """
            Deletes PacketPath's chains, its jump rules in the built-in chains, the built-in chains \
            and tables it created (when nothing foreign is left in them) and its state table \
            `packetpath`; every other table, chain and rule stays as it is.
              packetpath reset --netns node-1
            """)

    @OptionGroup var target: NamespaceTarget

    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let namespace = try CLIInput.run { try target.namespace() }
        let options = ApplyOptions(host: target.host)
        // Both layouts: the iptables chains, then the nftables tables (one batch each).
        let report = try CLIInput.run { try NetfilterApplier(options: options).reset(namespace) }
        let tables = try CLIInput.run { try NFTablesApplier(options: options).reset(namespace) }
        if output == .json {
            return try StandardStreams.writeJSON(["iptables": ApplyJSON(report, namespace: namespace),
                                                  "nftables": ApplyJSON(tables, namespace: namespace)])
        }
        var lines: [String] = []
        if report.outcome != .nothingOwned {
            lines.append("reset \(namespace): \(report.chainsDeleted) chains and \(report.rulesDeleted) built-in chain rules of "
                + "PacketPath's removed, one batch of \(report.messages) messages")
        }
        if tables.outcome != .nothingOwned {
            lines.append("reset \(namespace): PacketPath's nftables tables removed, one batch of \(tables.messages) messages")
        }
        if lines.isEmpty { lines.append("PacketPath owns nothing in \(namespace); nothing sent") }
        StandardStreams.writeOut(Array((lines.joined(separator: "\n") + "\n").utf8))
    }
}

/// An apply or reset report for `--output json`.
struct ApplyJSON: Encodable {
    let namespace: String
    let outcome: String
    let messages: Int
    let bytes: Int
    let chainsCreated: Int
    let chainsDeleted: Int
    let rulesWritten: Int
    let rulesDeleted: Int
    /// Operations per kind (`add-rule`, `delete-chain`, …).
    let operations: [String: Int]
    /// Legacy iptables tables holding rules, e.g. `ip filter (1 rule or chain entries)`.
    let legacyTables: [String]

    init(_ report: ApplyReport, namespace: NetworkNamespace) {
        self.namespace = "\(namespace)"
        outcome = "\(report.outcome)"
        messages = report.messages
        bytes = report.bytes
        chainsCreated = report.chainsCreated
        chainsDeleted = report.chainsDeleted
        rulesWritten = report.rulesWritten
        rulesDeleted = report.rulesDeleted
        operations = Dictionary(uniqueKeysWithValues: report.operations.map { ($0.key.rawValue, $0.value) })
        legacyTables = report.legacyTables.filter(\.holdsRules).map(\.description)
    }
}
