import NetworkNamespaces
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// ROOT: `packetpath apply --watch` as a child process on a scratch namespace: an edit reaches
/// the kernel, and SIGTERM ends it cleanly (exit 0) between batches. Skipped without root.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct WatchCommandTests {
    static func dnatTargets(_ scratch: ScratchNamespace) throws -> [String] {
        let save = try scratch.exec(["iptables-save", "-t", "nat"])
        #expect(save.status == 0)
        return save.stdout.split(separator: "\n").compactMap { line in
            line.contains("-j DNAT") ? line.split(separator: " ").last.map(String.init) : nil
        }.sorted()
    }

    @Test func anAddedEndpointIsCommittedAndSIGTERMExitsCleanly() throws {
        let scratch = try ScratchNamespace(tag: "watch")
        defer { scratch.remove() }
        let directory = try ManifestDirectory()
        let child = try WatchProcess([ProjectPaths.binary, "apply", directory.path, "--netns", scratch.name, "--watch", "-q"])
        #expect(child.waitForLine(containing: "watching") != nil, "\(child.lines)")
        #expect(try Self.dnatTargets(scratch) == ["10.244.1.10:8080"])

        try directory.write(directory.endpoints, ManifestDirectory.slice(["10.244.1.10", "10.244.2.20"]))
        let line = child.waitForLine(containing: "endpoints.yaml changed: committed")
        #expect(line?.contains("after the file event") == true, "\(child.lines)")
        #expect(try Self.dnatTargets(scratch) == ["10.244.1.10:8080", "10.244.2.20:8080"])

        #expect(child.stop(with: SIGTERM) == 0, "\(child.lines)")
        #expect(child.lines.last == "packetpath: stopped", "\(child.lines)")
        #expect(!child.lines.contains { $0.hasPrefix("error") }, "\(child.lines)")
    }

    /// The DNAT targets of kube-proxy's nftables layout in `scratch`.
    static func nftDNATTargets(_ scratch: ScratchNamespace) throws -> [String] {
        let listing = try scratch.exec(["nft", "list", "table", "ip", "kube-proxy"])
        #expect(listing.status == 0, "\(listing.stderr)")
        return listing.stdout.split(separator: "\n").compactMap { line in
            line.contains("dnat to") ? line.split(separator: " ").last.map(String.init) : nil
        }.sorted()
    }

    @Test func theNFTablesLayoutIsWatchedToo() throws {
        let scratch = try ScratchNamespace(tag: "watchn")
        defer { scratch.remove() }
        let directory = try ManifestDirectory()
        let child = try WatchProcess([ProjectPaths.binary, "apply", directory.path, "--netns", scratch.name, "--watch", "-q",
                                      "--backend", "nftables"])
        #expect(child.waitForLine(containing: "watching") != nil, "\(child.lines)")
        #expect(try Self.nftDNATTargets(scratch) == ["10.244.1.10:8080"])

        try directory.write(directory.endpoints, ManifestDirectory.slice(["10.244.1.10", "10.244.2.20"]))
        let line = child.waitForLine(containing: "endpoints.yaml changed: committed")
        #expect(line?.contains("after the file event") == true, "\(child.lines)")
        #expect(try Self.nftDNATTargets(scratch) == ["10.244.1.10:8080", "10.244.2.20:8080"])
        // Nothing of the iptables layout was written beside it.
        let tables = try scratch.exec(["nft", "list", "tables"]).stdout
        #expect(!tables.contains("table ip nat") && !tables.contains("table ip filter"), "\(tables)")

        #expect(child.stop(with: SIGTERM) == 0, "\(child.lines)")
        #expect(child.lines.last == "packetpath: stopped", "\(child.lines)")
        #expect(!child.lines.contains { $0.hasPrefix("error") }, "\(child.lines)")
        // Its commits kept the digest record current: a new process finds the state up to date
        // from the record, reading nothing back (after a read-back it says unchangedAfterReadBack).
        let again = try HostCommand.run([ProjectPaths.binary, "apply", directory.path, "--netns", scratch.name,
                                         "--backend", "nftables", "-o", "json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\"unchangedSinceLastApply\""), "\(again.stdout)")
    }

    @Test func aSignalDuringABatchLetsItFinish() throws {
        let scratch = try ScratchNamespace(tag: "watchs")
        defer { scratch.remove() }
        let directory = try ManifestDirectory()
        let child = try WatchProcess([ProjectPaths.binary, "apply", directory.path, "--netns", scratch.name, "--watch", "-q"])
        #expect(child.waitForLine(containing: "watching") != nil, "\(child.lines)")

        // SIGINT right after the edit: whether the batch had started or not, the process ends
        // through its clean path and the kernel holds one whole state, old or new.
        try directory.write(directory.endpoints, ManifestDirectory.slice(["10.244.3.30", "10.244.4.40"]))
        #expect(child.stop(with: SIGINT) == 0, "\(child.lines)")
        #expect(child.lines.last == "packetpath: stopped", "\(child.lines)")
        let targets = try Self.dnatTargets(scratch)
        #expect(targets == ["10.244.1.10:8080"] || targets == ["10.244.3.30:8080", "10.244.4.40:8080"], "\(targets)")
    }

    @Test func aBadEditIsReportedAndTheRulesStay() throws {
        let scratch = try ScratchNamespace(tag: "watchb")
        defer { scratch.remove() }
        let directory = try ManifestDirectory()
        let child = try WatchProcess([ProjectPaths.binary, "apply", directory.path, "--netns", scratch.name, "--watch", "-q"])
        #expect(child.waitForLine(containing: "watching") != nil, "\(child.lines)")

        try directory.write(directory.services, ManifestDirectory.service.replacingPort(with: "port: \"80\""))
        #expect(child.waitForLine(containing: "not applied") != nil, "\(child.lines)")
        #expect(child.waitForLine(containing: "error: \(directory.services)") != nil, "\(child.lines)")
        #expect(try Self.dnatTargets(scratch) == ["10.244.1.10:8080"])
        #expect(child.stop(with: SIGTERM) == 0, "\(child.lines)")
    }
}
