import ArgumentParser
import PacketPath

@main
struct PacketPathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "packetpath",
        abstract: "Compile a Kubernetes node's desired networking state into its Linux packet path.",
        subcommands: [CompileCommand.self, ApplyCommand.self, ResetCommand.self, LabCommand.self, DiffCommand.self, TraceCommand.self,
                      LintCommand.self, GraphCommand.self])

    /// Runs the command; a malformed command line is bad input like any other and exits 2
    /// (ArgumentParser's own default would be 64), while help and version still exit 0.
    static func main() {
        ProcessMemory.keepFreedMemoryForReuse()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                StandardStreams.writeError(fullMessage(for: error))
                Self.exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
