import NetworkNamespaces

/// The node namespace's connection tracking table.
public enum Conntrack {
    /// Empties the table (`conntrack -F`, from the Debian package `conntrack`), so that no
    /// entry of an earlier run can let a probe through.
    public static func flush(in namespace: NetworkNamespace) throws {
        let output: HostCommand.Output
        do {
            output = try NamespaceThread.run(in: namespace) { try HostCommand.run(["conntrack", "-F"]) }
        } catch {
            throw LabError("cannot run conntrack (install the Debian package 'conntrack'): \(error)")
        }
        guard output.succeeded else {
            throw LabError("conntrack -F in \(namespace) failed: \(output.stderr.trimmingTrailingNewlines())")
        }
    }

    /// `conntrack -L` lines, for diagnostics and tests.
    public static func list(in namespace: NetworkNamespace) throws -> [String] {
        let output = try NamespaceThread.run(in: namespace) { try HostCommand.run(["conntrack", "-L"]) }
        return output.stdout.split(separator: "\n").map(String.init)
    }
}
