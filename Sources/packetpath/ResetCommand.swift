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
        let report = try CLIInput.run { try NetfilterApplier(options: ApplyOptions(host: target.host)).reset(namespace) }
        if output == .json { return try StandardStreams.writeJSON(ApplyJSON(report, namespace: namespace)) }
        let text = report.outcome == .nothingOwned
            ? "PacketPath owns nothing in \(namespace); nothing sent"
            : "reset \(namespace): \(report.chainsDeleted) chains and \(report.rulesDeleted) built-in chain rules of PacketPath's removed, "
                + "one batch of \(report.messages) messages"
        StandardStreams.writeOut(Array((text + "\n").utf8))
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
    }
}
