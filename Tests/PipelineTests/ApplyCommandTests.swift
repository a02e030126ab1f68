import Foundation
import TestSupport
import NetworkNamespaces
import Testing

/// `packetpath apply`: the example reaches a namespace over netlink exactly as `compile` prints
/// it; bad targets and missing privileges end with one line and exit status 2.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct ApplyCommandTests {
    static let example = ProjectPaths.root + "/examples/shop.yaml"
    static let golden = ProjectPaths.root + "/golden/shop.rules"

    @Test func appliesTheExampleAndThenHasNothingToDo() throws {
        let scratch = try ScratchNamespace(tag: "cli")
        defer { scratch.remove() }
        let first = try HostCommand.run([ProjectPaths.binary, "apply", Self.example, "--netns", scratch.name])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("applied "))
        let second = try HostCommand.run([ProjectPaths.binary, "apply", Self.example, "--netns", scratch.name])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("already up to date"))

        // Both families are in place, readable by iptables, with the chains `compile` prints.
        var declared: [String] = []
        for tool in ["iptables-save", "ip6tables-save"] {
            let save = try scratch.exec([tool])
            #expect(save.status == 0)
            #expect(!save.stdout.contains("incompatible"), "\(tool):\n\(save.stdout)")
            declared += save.stdout.split(separator: "\n").filter { $0.hasPrefix(":") && $0.hasSuffix(" - [0:0]") }.map(String.init)
        }
        let golden = try String(contentsOfFile: Self.golden, encoding: .utf8)
        let expected = golden.split(separator: "\n").filter { $0.hasPrefix(":") }.map(String.init)
        #expect(declared.sorted() == expected.sorted())
    }

    @Test func badTargetsFailWithOneLine() throws {
        let cases: [([String], String)] = [
            ([], "name the target"),
            (["--netns", "packetpath-no-such-namespace"], "cannot open network namespace"),
            (["--netns-path", "/proc/self/ns/net"], "--host"),
            (["--netns", "a", "--netns-path", "/proc/1/ns/net"], "not both"),
        ]
        for (flags, message) in cases {
            let output = try HostCommand.run([ProjectPaths.binary, "apply", Self.example] + flags)
            #expect(output.status == 2, "\(flags)")
            #expect(output.stderr.split(separator: "\n").count == 1, "\(flags): \(output.stderr)")
            #expect(output.stderr.contains(message), "\(flags): \(output.stderr)")
        }
    }

    @Test func withoutPrivilegesItSaysSo() throws {
        let scratch = try ScratchNamespace(tag: "cliu")
        defer { scratch.remove() }
        let output = try HostCommand.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                                          "--inh-caps=-all", ProjectPaths.binary, "apply", Self.example,
                                          "--netns", scratch.name])
        #expect(output.status == 2)
        #expect(output.stderr.split(separator: "\n").count == 1, "\(output.stderr)")
        #expect(output.stderr.hasPrefix("error: not permitted"), "\(output.stderr)")
    }
}
