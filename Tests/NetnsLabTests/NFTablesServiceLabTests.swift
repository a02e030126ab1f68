import ClusterState
import NetfilterApply
import NetworkNamespaces
import PacketPath
import Testing
@testable import NetnsLab

extension PrivilegedLabTests {
/// Every Service lab check, with real connections, against the nftables layout applied
/// natively: the same expectations the iptables layout meets. ROOT TEST (skipped without).
@Suite struct NFTablesServiceLabTests {
    @Test func everyServiceCheckPassesWithTheNativeNFTablesLayout() throws {
        let lab = try ServiceLab(scenario: try ServiceLabScenario.standard(), installer: NFTablesInstaller())
        defer { lab.close() }
        // Only the nftables layout is in place: no iptables-nft table was written.
        let tables = try lab.topology.node.exec(["nft", "list", "tables"])
        #expect(tables.stdout.contains("table ip kube-proxy") && !tables.stdout.contains("table ip nat"), "\(tables.stdout)")
        for check in try ServiceLabChecks.all(lab) {
            #expect(check.passed, Comment(rawValue: check.description))
        }
    }
}
}
