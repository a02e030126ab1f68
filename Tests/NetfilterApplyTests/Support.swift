import TestSupport
import Foundation
import NetworkNamespaces

extension ScratchNamespace {
    /// Runs a command in the namespace and returns its standard output; fails on error.
    func output(_ arguments: [String], input: [UInt8] = []) throws -> String {
        let result = try exec(arguments, input: input)
        guard result.succeeded else {
            throw NamespaceError("\(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout
    }

    /// `iptables-save` (or `ip6tables-save`) without its `#` lines.
    func save(ipv6: Bool = false) throws -> String {
        try output([ipv6 ? "ip6tables-save" : "iptables-save"])
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("#") }
            .joined(separator: "\n")
    }

    /// Everything the kernel holds, as nft prints it.
    func ruleset() throws -> String {
        try output(["nft", "list", "ruleset"])
    }
}

/// Drops the jump rules PacketPath (like kube-proxy) keeps in the built-in chains; the
/// reference dumps do not contain them.
func withoutBuiltinJumps(_ save: String) -> String {
    let builtins = ["INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"]
    return save.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { line in !builtins.contains { line.hasPrefix("-A \($0) ") } }
        .joined(separator: "\n")
}

/// The first line where two texts differ, for failure messages.
func firstDifference(_ actual: String, _ expected: String) -> String {
    firstLineDifference(actual, expected, actualLabel: "applied", expectedLabel: "reference")
}
