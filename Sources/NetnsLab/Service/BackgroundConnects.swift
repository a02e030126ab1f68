import Foundation
import NetworkAddresses
import NetworkNamespaces

/// Keeps connecting to one Service of a lab on a thread of its own, four brand-new TCP
/// connections at a time, recording every outcome, until `stop()`. The staged-load test and
/// bench watch it while rules change underneath: a failure means a moment when the Service
/// was not served.
public final class BackgroundConnects: @unchecked Sendable {
    private let lock = ThreadLock()
    private var outcomes: [ProbeOutcome] = []
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    public init(_ lab: ServiceLab, from client: String, to target: Endpoint4) {
        Thread {
            while !self.isStopped {
                let results = (try? lab.connect(from: client, to: target, protocol: .tcp, count: 4)) ?? []
                // A round that could not even run counts as one failed connection.
                self.record(results.isEmpty ? [.timedOut] : results.map(\.outcome))
            }
            self.finished.signal()
        }.start()
    }

    /// Every outcome so far, in the order the rounds ended.
    public var all: [ProbeOutcome] { lock.withLock { outcomes } }

    /// Ends the thread after its current round; returns every outcome.
    @discardableResult
    public func stop() -> [ProbeOutcome] {
        lock.withLock { stopped = true }
        finished.wait()
        return all
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func record(_ round: [ProbeOutcome]) { lock.withLock { outcomes += round } }
}
