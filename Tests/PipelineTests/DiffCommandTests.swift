import NetworkNamespaces
import TestSupport
import Testing

/// `packetpath diff … netns:NAME` reads the namespace over netlink: no difference after
/// `apply`, drift after a rule is added, and an error naming the rule it cannot read.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct DiffCommandTests {
    static let example = ProjectPaths.root + "/examples/shop.yaml"

    @Test func diffsTheExampleAgainstTheNamespaceItWasAppliedTo() throws {
        let scratch = try ScratchNamespace(tag: "clid")
        defer { scratch.remove() }
        let applied = try HostCommand.run([ProjectPaths.binary, "apply", Self.example, "--netns", scratch.name])
        try #require(applied.status == 0, "\(applied.stderr)")
        let same = try HostCommand.run([ProjectPaths.binary, "diff", Self.example, "netns:\(scratch.name)"])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("no differences"))

        try scratch.exec(["iptables", "-t", "nat", "-A", "KUBE-SERVICES", "-p", "udp", "--dport", "9", "-j", "RETURN"])
        let drift = try HostCommand.run([ProjectPaths.binary, "diff", Self.example, "netns:\(scratch.name)"])
        #expect(drift.status == 1, "\(drift.stderr)")
        #expect(drift.stdout.contains("-p udp -m udp --dport 9 -j RETURN"), "\(drift.stdout)")

        // An interface match reads back: it is drift like any other rule.
        try scratch.exec(["iptables", "-t", "filter", "-I", "FORWARD", "-i", "lo", "-j", "DROP"])
        let interface = try HostCommand.run([ProjectPaths.binary, "diff", Self.example, "netns:\(scratch.name)"])
        #expect(interface.status == 1, "\(interface.stderr)")
        #expect(interface.stdout.contains("+ -i lo -j DROP"), "\(interface.stdout)")

        try scratch.exec(["iptables", "-t", "filter", "-I", "FORWARD", "-m", "limit", "--limit", "1/sec", "-j", "DROP"])
        let foreign = try HostCommand.run([ProjectPaths.binary, "diff", Self.example, "netns:\(scratch.name)"])
        #expect(foreign.status == 2)
        #expect(foreign.stdout.isEmpty)
        #expect(foreign.stderr.contains("netns:\(scratch.name): 1 rule or chain cannot be read"), "\(foreign.stderr)")
        #expect(foreign.stderr.contains("ip filter chain FORWARD rule 1: a limit expression"), "\(foreign.stderr)")
        #expect(foreign.stderr.contains("(in: [ limit"), "\(foreign.stderr)")
    }

    @Test func aMissingNamespaceIsOneLine() throws {
        let output = try HostCommand.run([ProjectPaths.binary, "diff", Self.example, "netns:pp-no-such-namespace"])
        #expect(output.status == 2)
        #expect(output.stderr.split(separator: "\n").count == 1, "\(output.stderr)")
        #expect(output.stderr.contains("netns:pp-no-such-namespace: cannot open network namespace"), "\(output.stderr)")
    }
}
