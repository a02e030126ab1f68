import ClusterState
import Foundation
import NetfilterApply
import NetfilterNetlink
import NetworkAddresses
import NetworkNamespaces
import NFTablesEncoding
import PacketPath
import RuleModel
import Testing
import TestSupport

/// The reference cases compiled and programmed natively (one batch over netlink, no `nft`
/// process) into a fresh namespace must list exactly as `nft -f` of kube-proxy's dump did:
/// `nft list table` equal to the case's `live-nft-list.txt`.
///
/// ROOT TEST: needs namespaces. Without the privileges the suite is reported as SKIPPED
/// (not passed); PACKETPATH_REQUIRE_PRIVILEGED=1 makes it fail instead.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct KubeProxyIdentityTests {
    static let names: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ProjectPaths.kubeProxyCases)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()

    static func file(_ name: String, _ file: String) -> String {
        ProjectPaths.kubeProxyCases + "/" + name + "/" + file
    }

    /// The case's one table, encoded.
    static func program(_ name: String) throws -> NFTablesProgram {
        let loaded = try ManifestLoader.load(paths: [file(name, "input.yaml")])
        let families = Pipeline.defaultFamilies(for: loaded.state)
        let rulesets = Pipeline.compileNFTables(loaded.state, families: families)
        let table = try #require(rulesets.first?.tables.first)
        return try NFTablesEncoder().program(for: table, family: table.family ?? .ip)
    }

    @Test func allThirtyCasesArePresent() {
        #expect(Self.names.count == 30)
    }

    @Test(arguments: names)
    func nativeApplyListsAsKubeProxys(caseName: String) throws {
        try Self.check(caseName, staging: .standard)
    }

    /// The same with every case staged over many small transactions (base chains' rules last).
    @Test(arguments: names)
    func stagedApplyListsAsKubeProxys(caseName: String) throws {
        let report = try Self.check(caseName, staging: NFTablesStaging.Limits(messages: 6, anonymousSets: 1))
        #expect(report.transactions > 2)
    }

    @discardableResult
    static func check(_ caseName: String, staging: NFTablesStaging.Limits) throws -> ApplyReport {
        let program = try Self.program(caseName)
        let scratch = try ScratchNamespace(tag: "nfti")
        defer { scratch.remove() }
        let report = try NetfilterSocket.withSocket(in: scratch.namespace) { socket in
            try NFTablesApplier(staging: staging).apply([program], connection: NetlinkConnection(socket))
        }
        #expect(report.outcome == .applied)
        let family = program.family == .ipv6 ? "ip6" : "ip"
        let listing = try scratch.exec(["nft", "list", "table", family, "kube-proxy"])
        try #require(listing.status == 0, "nft list failed: \(listing.stderr)")
        let expected = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Self.file(caseName, "live-nft-list.txt"))),
                              as: UTF8.self)
        #expect(listing.stdout == expected, "first difference: \(Self.firstDifference(listing.stdout, expected))")
        return report
    }

    static func firstDifference(_ actual: String, _ expected: String) -> String {
        firstLineDifference(actual, expected, actualLabel: "applied")
    }
}
