import Foundation
import NetfilterApply
import NetnsLab
import NetworkNamespaces
import PacketPath

/// `packetpath-bench staged-load-connects N` (root): the standard Service lab programmed with
/// the iptables layout, then N more Services loaded as the nftables layout (a new table,
/// staged) while a thread keeps connecting to a Service the lab already had; then the
/// iptables layout is removed. Counts the connections made during the load and how many
/// failed (issue 13: never one).
enum StagedLoadConnectsBenchmark {
    static func run(services: Int) throws -> String {
        let lab = try ServiceLab(scenario: try ServiceLabScenario.standard(), installer: NetlinkInstaller())
        defer { lab.close() }
        let target = Endpoint4(StandardServiceLab.spread, port: StandardServiceLab.servicePort(.tcp))!
        let connects = BackgroundConnects(lab, from: StandardServiceLab.client, to: target)
        let rulesets = Pipeline.compileNFTables(StandardServiceLab.withBulkServices(lab.scenario.cluster, count: services),
                                                families: [.ipv4])
        let before = connects.all
        let start = Measure.now()
        let report = try NFTablesApplier().apply(rulesets, into: lab.topology.node.namespace)
        let seconds = Measure.now() - start
        let during = connects.all.dropFirst(before.count)
        _ = try NFTablesApplier().removeOtherLayout(in: lab.topology.node.namespace)
        let total = connects.stop()
        func failures<C: Collection<ProbeOutcome>>(_ outcomes: C) -> Int { outcomes.filter { $0 != .connected }.count }
        return "staged-load-connects services=\(services) transactions=\(report.transactions) seconds=\(seconds)"
            + " during_attempts=\(during.count) during_failures=\(failures(during))"
            + " total_attempts=\(total.count) total_failures=\(failures(total))"
    }
}
