import NetfilterApply
import NetfilterNetlink
import NetworkNamespaces
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// iptables-legacy tables are reported (netlink cannot see them), against the in-memory kernel.
struct LegacyTablesFakeTests {
    @Test func legacyTablesWithRulesAreReportedEmptyOnesAreNot() throws {
        let kernel = FakeKernel()
        kernel.legacy = [LegacyIPTable(family: .ipv4, name: "filter", extraEntries: 1),
                         LegacyIPTable(family: .ipv6, name: "filter", extraEntries: 0)]
        let rulesets = FakeFixtures.services(try FakeFixtures.state("clusterip-1-endpoints"))
        let report = try NetfilterApplier().apply(rulesets, connection: kernel)
        #expect(report.legacyTables == kernel.legacy)
        let warning = try #require(report.legacyWarning)
        #expect(warning.contains("ip filter (1 rule or chain entries)"))
        #expect(!warning.contains("ip6 filter"))
        // Said on every apply, also one that sends nothing.
        let again = try NetfilterApplier().apply(rulesets, connection: kernel)
        #expect(again.outcome == .unchangedSinceLastApply)
        #expect(again.legacyWarning == warning)
    }

    @Test func noLegacyTablesNoWarning() throws {
        let kernel = FakeKernel()
        kernel.legacy = [LegacyIPTable(family: .ipv6, name: "nat", extraEntries: 0)]
        let report = try NetfilterApplier().apply(FakeFixtures.services(try FakeFixtures.state("clusterip-1-endpoints")),
                                                  connection: kernel)
        #expect(report.legacyWarning == nil)
    }

    @Test func tableNamesAreReadOneALine() {
        #expect(LegacyIPTables.tableNames("filter\nnat\n\n mangle \n") == ["filter", "nat", "mangle"])
        #expect(LegacyIPTables.tableNames("").isEmpty)
        // No x_tables module loaded: no file, no tables.
        #expect(LegacyIPTables.inCurrentNamespace(procNet: "/nonexistent").isEmpty)
    }
}

/// The same in a real namespace, where `iptables-legacy` writes the x_tables backend. NEEDS
/// ROOT and the iptables-legacy tools.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct LegacyTablesKernelTests {
    @Test func rulesWrittenByIPTablesLegacyAreReported() throws {
        #expect(access("/usr/sbin/iptables-legacy", X_OK) == 0, "iptables-legacy is needed (Debian package iptables)")
        let scratch = try ScratchNamespace(tag: "legacy")
        defer { scratch.remove() }
        _ = try scratch.output(["iptables-legacy", "-A", "INPUT", "-s", "192.0.2.1", "-j", "DROP"])
        // Listing instantiates an empty table: present, but nothing to warn about.
        _ = try scratch.output(["ip6tables-legacy", "-L", "-n"])
        let rulesets = FakeFixtures.services(try FakeFixtures.state("clusterip-1-endpoints"))
        let report = try NetfilterApplier().apply(rulesets, into: scratch.namespace)
        #expect(report.legacyTables == [LegacyIPTable(family: .ipv4, name: "filter", extraEntries: 1),
                                        LegacyIPTable(family: .ipv6, name: "filter", extraEntries: 0)])
        #expect(report.legacyWarning?.contains("ip filter (1 rule or chain entries)") == true)
    }

    @Test func aNamespaceWithoutLegacyTablesReportsNoneAndGetsNone() throws {
        let scratch = try ScratchNamespace(tag: "nolegacy")
        defer { scratch.remove() }
        let rulesets = FakeFixtures.services(try FakeFixtures.state("clusterip-1-endpoints"))
        let report = try NetfilterApplier().apply(rulesets, into: scratch.namespace)
        #expect(report.legacyTables.isEmpty)
        // Looking did not create any legacy table.
        #expect(try scratch.output(["cat", "/proc/net/ip_tables_names"]).isEmpty)
        #expect(try scratch.output(["cat", "/proc/net/ip6_tables_names"]).isEmpty)
    }
}
