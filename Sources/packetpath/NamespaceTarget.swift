import ArgumentParser
import ClusterState
import NetworkNamespaces

/// The namespace `apply` and `reset` write to: one place for the flags and the rule that a
/// name is only a name (paths go through --netns-path).
struct NamespaceTarget: ParsableArguments {
    @Option(help: "Target network namespace by name (as `ip netns` lists it; a path goes to --netns-path).")
    var netns: String?

    @Option(name: .customLong("netns-path"), help: "Target network namespace by path, e.g. /proc/PID/ns/net.")
    var netnsPath: String?

    @Flag(help: "Allow writing to this process's own network namespace (without --netns: the host's).")
    var host = false

    func namespace() throws -> NetworkNamespace {
        switch (netns, netnsPath) {
        case (let name?, nil):
            if let problem = NetworkNamespace.nameProblem(name) { throw ValidationError("--netns \(SafeText.quoted(name)): \(problem)") }
            return NetworkNamespace(name: name)
        case (nil, let path?): return NetworkNamespace(path: path)
        case (nil, nil) where host: return NetworkNamespace(path: "/proc/self/ns/net")
        case (nil, nil): throw ValidationError("name the target: --netns NAME, --netns-path PATH, or --host for this namespace")
        default: throw ValidationError("give either --netns or --netns-path, not both")
        }
    }
}
