import Testing
@testable import NetworkNamespaces

@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NamespaceTests {
    @Test func scratchNamespaceIsSeparateAndRemoved() throws {
        let scratch = try ScratchNamespace(tag: "t")
        let name = scratch.name
        #expect(try !scratch.namespace.isCurrent())
        let inside = try scratch.run { try NetworkNamespace.current.identity() }
        #expect(try inside == scratch.namespace.identity())
        #expect(try NetworkNamespace.current.identity() != inside)
        // A command started from the namespace thread runs inside it: only loopback exists.
        let links = try scratch.run { try HostCommand.check(["ip", "-o", "link", "show"]) }
        #expect(links.split(separator: "\n").count == 1)
        scratch.remove()
        let listing = try HostCommand.check(["ip", "netns", "list"])
        #expect(!listing.contains(name))
    }

    @Test func commandOutputAndStatus() throws {
        let output = try HostCommand.run(["sh", "-c", "cat; echo err >&2; exit 3"], input: Array("hello".utf8))
        #expect(output.status == 3)
        #expect(output.stdout == "hello")
        #expect(output.stderr == "err\n")
        #expect(throws: NamespaceError.self) { try HostCommand.check(["false"]) }
    }
}
