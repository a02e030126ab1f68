import ClusterState
import Foundation
import NetworkNamespaces
import PacketPath
import Testing
@testable import NetnsLab

extension PrivilegedLabTests {
/// Every shared case again, with the nftables backend: kube-proxy's nftables table and
/// PacketPath's policy table, applied natively into the lab's node namespace. Needs root
/// (skipped without it; PACKETPATH_REQUIRE_PRIVILEGED=1 makes that a failure).
@Suite struct SharedNetpolCasesNFTablesTests {
    @Test func everySharedCasePassesWithTheNFTablesRules() throws {
        let cases = try Fixtures.caseNames().map { try NetpolCase.load(directory: Fixtures.netpolCase($0)) }
        #expect(cases.count == 43)
        let outcomes = NetpolLab(installer: NFTablesInstaller()).run(cases, jobs: 8)
        for (netpolCase, outcome) in zip(cases, outcomes) {
            let report = try outcome.get()
            #expect(report.succeeded, Comment(rawValue: "\(netpolCase.name): \(report.summary)\n\(report.text(onlyProblems: true))"))
            #expect(report.entries.count == netpolCase.expected.lines.count)
        }
        #expect(try leftoverLabNamespaces().isEmpty)
    }

    /// Without the policy table the same packets connect, so exactly the deny lines fail: the
    /// nftables verdicts above come from our table, not from kube-proxy's.
    @Test func withoutThePolicyTableEveryDenyLineFails() throws {
        let kubeProxyOnly = NFTablesInstaller { $0 != "packetpath-policy" }
        let netpolCase = try NetpolCase.load(directory: Fixtures.netpolCase("001-default-deny-ingress"))
        let report = try NetpolLab(installer: kubeProxyOnly).run(netpolCase)
        #expect(report.summary == "144 passed, 72 failed, 0 skipped")
        #expect(report.entries.filter { $0.status == .failed }.allSatisfy { $0.line.verdict == .deny })
    }

    /// `nft -c` (parse and check against the kernel, change nothing) accepts what
    /// `compile --backend nftables` prints for every case.
    @Test func nftCheckAcceptsEveryCase() throws {
        let scratch = try ScratchNamespace(tag: "nftp")
        defer { scratch.remove() }
        for name in try Fixtures.caseNames() {
            let netpolCase = try NetpolCase.load(directory: Fixtures.netpolCase(name))
            let text = try Pipeline.nftText(Pipeline.compileNFTables(netpolCase.cluster, families: [.ipv4]))[0].text.string
            let result = try scratch.exec(["nft", "-c", "-f", "-"], input: Array(text.utf8))
            #expect(result.status == 0, "nft -c rejected \(name): \(result.stderr)")
        }
    }
}
}
