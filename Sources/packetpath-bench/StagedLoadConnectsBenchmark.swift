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
    final class Tally: @unchecked Sendable {
        private let lock = ThreadLock()
        private var stopped = false
        private(set) var attempts = 0
        private(set) var failures = 0
        var isStopped: Bool { lock.withLock { stopped } }
        func stop() { lock.withLock { stopped = true } }
        func add(attempts: Int, failures: Int) {
            lock.withLock {
                self.attempts += attempts
                self.failures += failures
            }
        }
        var counts: (attempts: Int, failures: Int) { lock.withLock { (attempts, failures) } }
    }

    static func run(services: Int) throws -> String {
        let lab = try ServiceLab(scenario: try ServiceLabScenario.standard(), installer: NetlinkInstaller())
        defer { lab.close() }
        let target = Endpoint4(StandardServiceLab.spread, port: StandardServiceLab.servicePort(.tcp))!
        let tally = Tally()
        let finished = DispatchSemaphore(value: 0)
        Thread {
            while !tally.isStopped {
                let results = (try? lab.connect(from: StandardServiceLab.client, to: target, protocol: .tcp, count: 4)) ?? []
                tally.add(attempts: max(results.count, 1),
                          failures: results.isEmpty ? 1 : results.filter { $0.outcome != .connected }.count)
            }
            finished.signal()
        }.start()
        let rulesets = Pipeline.compileNFTables(StandardServiceLab.withBulkServices(lab.scenario.cluster, count: services),
                                                families: [.ipv4])
        let before = tally.counts
        let start = Measure.now()
        let report = try NFTablesApplier().apply(rulesets, into: lab.topology.node.namespace)
        let seconds = Measure.now() - start
        let during = tally.counts
        _ = try NFTablesApplier().removeOtherLayout(in: lab.topology.node.namespace)
        tally.stop()
        finished.wait()
        let total = tally.counts
        return "staged-load-connects services=\(services) transactions=\(report.transactions) seconds=\(seconds)"
            + " during_attempts=\(during.attempts - before.attempts) during_failures=\(during.failures - before.failures)"
            + " total_attempts=\(total.attempts) total_failures=\(total.failures)"
    }
}
