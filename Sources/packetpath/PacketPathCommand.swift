import ArgumentParser

@main
struct PacketPathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "packetpath",
        abstract: "Compile a Kubernetes node's desired networking state into its Linux packet path.",
        subcommands: [CompileCommand.self, ApplyCommand.self, LabCommand.self, DiffCommand.self, TraceCommand.self,
                      LintCommand.self, GraphCommand.self])
}
