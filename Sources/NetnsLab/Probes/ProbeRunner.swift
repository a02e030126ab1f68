#if canImport(Glibc)
import Glibc
#endif
import ClusterState
import NetworkNamespaces

/// Runs connection attempts in parallel from one poll loop on the calling thread.
///
/// Each attempt gets a new socket, created inside its client's namespace, bound to a source
/// port never used before by this runner (so no conntrack entry of an earlier attempt can
/// match it). Attempts run in chunks of `maxInFlight`; each has `timeout` seconds from its
/// first packet.
public final class ProbeRunner: @unchecked Sendable {
    public let options: ProbeOptions
    private let ports = SourcePortAllocator()

    public init(options: ProbeOptions = ProbeOptions()) {
        self.options = options
    }

    public func run(_ requests: [ProbeRequest]) throws -> [ProbeResult] {
        var results: [ProbeResult?] = Array(repeating: nil, count: requests.count)
        var start = 0
        while start < requests.count {
            let end = min(start + max(options.maxInFlight, 1), requests.count)
            let batch = try ProbeBatch(requests: requests, range: start..<end, ports: ports, timeout: options.timeout)
            for result in batch.run() { results[result.index] = result.result }
            start = end
        }
        return results.map { $0! }
    }
}

/// Hands out source ports 20000...60999 in turn, skipping any a bind reported busy.
final class SourcePortAllocator: @unchecked Sendable {
    private var next: UInt16 = 20000
    private let lock = ThreadLock()

    func take() -> UInt16 {
        lock.withLock {
            let port = next
            next = next >= 60999 ? 20000 : next + 1
            return port
        }
    }
}

/// Monotonic seconds.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
