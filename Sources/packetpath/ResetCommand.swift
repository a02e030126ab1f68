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
            """)

    @Option(help: "Target network namespace by name (as `ip netns` lists it).")
    var netns: String?

    @Option(name: .customLong("netns-path"), help: "Target network namespace by path, e.g. /proc/PID/ns/net.")
    var netnsPath: String?

    @Flag(help: "Allow resetting this process's own network namespace (without --netns: the host's).")
    var host = false

    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let namespace: NetworkNamespace = try CLIInput.run {
            switch (netns, netnsPath) {
            case (let name?, nil): return NetworkNamespace(name: name)
            case (nil, let path?): return NetworkNamespace(path: path)
            case (nil, nil) where host: return NetworkNamespace(path: "/proc/self/ns/net")
            case (nil, nil): throw ValidationError("name the target: --netns NAME, --netns-path PATH, or --host for this namespace")
            default: throw ValidationError("give either --netns or --netns-path, not both")
            }
        }
        let report = try CLIInput.run { try NetfilterApplier(options: ApplyOptions(host: host)).reset(namespace) }
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
