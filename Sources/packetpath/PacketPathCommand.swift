import ArgumentParser
import ClusterState
import PacketPath

@main
struct PacketPathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "packetpath",
        abstract: "Compile a Kubernetes node's desired networking state into its Linux packet path.",
        discussion: """
            Examples:
              packetpath compile examples/shop.yaml
              packetpath diff examples/shop.yaml examples/shop-v2.yaml
              packetpath lint manifests/
            Shell completion: packetpath --generate-completion-script bash|zsh|fish
            """,
        version: "packetpath 0.1.0 (kube-proxy v1.30 iptables and nftables layouts)",
        subcommands: [CompileCommand.self, ApplyCommand.self, ResetCommand.self, LabCommand.self, DiffCommand.self, TraceCommand.self,
                      LintCommand.self, GraphCommand.self])

    /// Runs the command; a malformed command line is bad input like any other and exits 2
    /// (ArgumentParser's own default would be 64), while help and version still exit 0.
    static func main() {
        ProcessMemory.keepFreedMemoryForReuse()
        if let problem = SubcommandCheck.problem(Array(CommandLine.arguments.dropFirst()), root: Self.self) {
            StandardStreams.writeError("error: \(problem)")
            Self.exit(withError: ExitCode(2))
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                // The message repeats what was typed: escaped, line by line.
                let lines = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
                StandardStreams.writeError(lines.map { SafeText.escaped(String($0)) }.joined(separator: "\n"))
                Self.exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
