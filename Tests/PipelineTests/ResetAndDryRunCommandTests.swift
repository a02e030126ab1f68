import Foundation
import NetworkNamespaces
import Testing
import TestSupport

/// `packetpath apply --dry-run`, `-o json` and `packetpath reset` from the command line.
/// NEEDS ROOT (namespaces): skipped otherwise.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct ResetAndDryRunCommandTests {
    static let example = ProjectPaths.root + "/examples/shop.yaml"
    static let changed = ProjectPaths.root + "/examples/shop-v2.yaml"

    func run(_ arguments: [String]) throws -> String {
        let output = try HostCommand.run([ProjectPaths.binary] + arguments)
        #expect(output.status == 0, "\(arguments): \(output.stderr)")
        return output.stdout
    }

    /// Each chain's rules in order (chain order aside).
    static func rulesByChain(_ save: String) -> [String: [String]] {
        var chains: [String: [String]] = [:]
        for line in save.split(separator: "\n") where line.hasPrefix(":") || line.hasPrefix("-A ") {
            let name = String(line.dropFirst(line.hasPrefix(":") ? 1 : 3).prefix { $0 != " " })
            chains[name, default: []] += line.hasPrefix("-A ") ? [String(line)] : []
        }
        return chains
    }

    @Test func theDryRunTextIsTheChangeAsIPTablesRestoreInput() throws {
        let scratch = try ScratchNamespace(tag: "dry")
        defer { scratch.remove() }
        let reference = try ScratchNamespace(tag: "dryref")
        defer { reference.remove() }
        _ = try run(["apply", Self.example, "--netns", scratch.name])
        let before = try scratch.exec(["nft", "list", "ruleset"]).stdout

        let text = try run(["apply", Self.changed, "--netns", scratch.name, "--dry-run"])
        #expect(text.hasPrefix("# IPv4 (iptables-restore --noflush)\n"))
        #expect(try scratch.exec(["nft", "list", "ruleset"]).stdout == before)
        let json = try run(["apply", Self.changed, "--netns", scratch.name, "--dry-run", "-o", "json"])
        let counts = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(counts?["outcome"] as? String == "dryRun")
        #expect(((counts?["operations"] as? [String: Int])?["add-rule"] ?? 0) > 0)

        // Loading the printed change with iptables-restore gives what applying gives.
        let blocks = text.components(separatedBy: "# IPv6 (ip6tables-restore --noflush)\n")
        let restored4 = try scratch.exec(["iptables-restore", "--noflush"], input: Array(blocks[0].utf8))
        #expect(restored4.succeeded, "\(restored4.stderr)")
        if blocks.count > 1 {
            let restored6 = try scratch.exec(["ip6tables-restore", "--noflush"], input: Array(blocks[1].utf8))
            #expect(restored6.succeeded, "\(restored6.stderr)")
        }
        _ = try run(["apply", Self.changed, "--netns", reference.name])
        for tool in ["iptables-save", "ip6tables-save"] {
            #expect(Self.rulesByChain(try scratch.exec([tool]).stdout) == Self.rulesByChain(try reference.exec([tool]).stdout), "\(tool)")
        }
    }

    @Test func resetByPathRemovesEverything() throws {
        let scratch = try ScratchNamespace(tag: "rst")
        defer { scratch.remove() }
        _ = try run(["apply", Self.example, "--netns", scratch.name])
        let output = try run(["reset", "--netns-path", "/var/run/netns/\(scratch.name)"])
        #expect(output.hasPrefix("reset "))
        #expect(try scratch.exec(["nft", "list", "ruleset"]).stdout.isEmpty)
        #expect(try run(["reset", "--netns", scratch.name]).contains("owns nothing"))
        let refused = try HostCommand.run([ProjectPaths.binary, "reset", "--netns-path", "/proc/self/ns/net"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--host"))
    }

    /// An apply of one layout removes PacketPath's rules of the other, as kube-proxy cleans up
    /// the other proxy mode: never both layouts' NAT at once. Foreign rules stay.
    @Test func applyingOneLayoutRemovesTheOther() throws {
        let scratch = try ScratchNamespace(tag: "swap")
        defer { scratch.remove() }
        try #require(try scratch.exec(["nft", "add table inet someone-else"]).succeeded)
        _ = try run(["apply", Self.example, "--netns", scratch.name])
        #expect(try scratch.exec(["iptables-save"]).stdout.contains(":KUBE-SERVICES"))

        let toNFTables = try HostCommand.run([ProjectPaths.binary, "apply", Self.example, "--netns", scratch.name,
                                              "--backend", "nftables"])
        #expect(toNFTables.status == 0, "\(toNFTables.stderr)")
        #expect(toNFTables.stderr.contains("removed PacketPath's iptables layout"))
        #expect(!(try scratch.exec(["iptables-save"]).stdout.contains("KUBE-")))
        let tables = try scratch.exec(["nft", "list", "tables"]).stdout
        #expect(tables.contains("table ip kube-proxy") && tables.contains("table inet someone-else"))

        let back = try HostCommand.run([ProjectPaths.binary, "apply", Self.example, "--netns", scratch.name])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stderr.contains("removed PacketPath's nftables layout"))
        let after = try scratch.exec(["nft", "list", "tables"]).stdout
        #expect(!after.contains("kube-proxy") && !after.contains("packetpath-policy") && after.contains("table inet someone-else"))
        #expect(try scratch.exec(["iptables-save"]).stdout.contains(":KUBE-SERVICES"))
    }

    /// Reset leaves the namespace as it was after applies of both layouts (the second removed
    /// the first's rules); a foreign table survives it.
    @Test func resetRemovesBothLayoutsAndNothingForeign() throws {
        let scratch = try ScratchNamespace(tag: "rst2")
        defer { scratch.remove() }
        let foreign = try scratch.exec(["nft", "add table inet someone-else"])
        try #require(foreign.succeeded, "\(foreign.stderr)")
        let before = try scratch.exec(["nft", "list", "ruleset"]).stdout
        _ = try run(["apply", Self.example, "--netns", scratch.name])
        _ = try run(["apply", Self.example, "--netns", scratch.name, "--backend", "nftables"])
        #expect(try scratch.exec(["nft", "list", "tables"]).stdout.contains("table ip kube-proxy"))
        let output = try run(["reset", "--netns", scratch.name])
        #expect(output.contains("nftables tables removed"))
        #expect(try scratch.exec(["nft", "list", "ruleset"]).stdout == before)
    }
}
