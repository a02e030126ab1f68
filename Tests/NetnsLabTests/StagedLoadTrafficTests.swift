import ClusterState
import Foundation
import NetfilterApply
import NetworkAddresses
import PacketPath
import Testing
@testable import NetnsLab

extension PrivilegedLabTests {
/// A large nftables state loaded in many staged transactions into a node whose Services are
/// already programmed (PacketPath's iptables layout, the switch of proxy mode): connections to
/// an already-programmed Service never fail, before, during or after the load, nor while the
/// old layout is removed. CI uses 2,000 extra Services in transactions of at most 100
/// anonymous maps (about 40 commits); the bench's 10,000-Service load is the same code path.
/// ROOT TEST (skipped without).
@Suite struct StagedLoadTrafficTests {
    @Test func connectionsToAProgrammedServiceNeverFailDuringAStagedLoad() throws {
        let lab = try ServiceLab(scenario: try ServiceLabScenario.standard(), installer: NetlinkInstaller())
        defer { lab.close() }
        let target = Endpoint4(StandardServiceLab.spread, port: StandardServiceLab.servicePort(.tcp))!
        let connects = BackgroundConnects(lab, from: StandardServiceLab.client, to: target)
        let rulesets = Pipeline.compileNFTables(StandardServiceLab.withBulkServices(lab.scenario.cluster, count: 2_000), families: [.ipv4])
        let applier = NFTablesApplier(staging: NFTablesStaging.Limits(messages: 4_000, anonymousSets: 100))
        let before = connects.all.count
        let report = try applier.apply(rulesets, into: lab.topology.node.namespace)
        let during = connects.all.count - before
        _ = try applier.removeOtherLayout(in: lab.topology.node.namespace)
        Thread.sleep(forTimeInterval: 0.5)
        let outcomes = connects.stop()
        #expect(report.transactions > 10, "the load was staged (\(report.transactions) transactions)")
        #expect(during > 0, "connections were made while the load ran")
        let failed = outcomes.filter { $0 != .connected }
        #expect(failed.isEmpty, "\(failed.count) of \(outcomes.count) connections failed: \(Set(failed))")
        // The nftables layout alone now serves the Service.
        let tables = try lab.topology.node.exec(["nft", "list", "tables"])
        #expect(tables.stdout.contains("table ip kube-proxy") && !tables.stdout.contains("table ip nat"), "\(tables.stdout)")
        let after = try lab.connect(from: StandardServiceLab.client, to: target, protocol: .tcp, count: 20)
        #expect(after.allSatisfy { $0.outcome == .connected })
    }
}
}
