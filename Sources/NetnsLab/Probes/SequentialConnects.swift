#if canImport(Glibc)
import Glibc
#endif
import NetworkNamespaces

/// Brand-new TCP connections made one after another from a lab host, each timed from
/// `connect` to the handshake's end (SYN out, SYN-ACK back through the node).
///
/// Every attempt is a fresh socket with a fresh source port, so the node's conntrack sees a
/// new flow and runs its NAT rules for it: the first-connect cost of a rule layout. Each
/// socket is closed with a reset, which leaves no TIME_WAIT behind to slow later attempts.
public enum SequentialConnects {
    public struct Timings: Sendable {
        /// Seconds of each connection that completed, in order.
        public var seconds: [Double] = []
        /// Attempts refused, reset or not answered within the timeout.
        public var failures = 0

        public var median: Double? {
            guard !seconds.isEmpty else { return nil }
            let sorted = seconds.sorted()
            return sorted[sorted.count / 2]
        }
    }

    /// `count` attempts from `host` to `destination`, each given `timeout` seconds.
    public static func run(from host: LabHost, to destination: Endpoint4, count: Int,
                           timeout: Double = 1) throws -> Timings {
        try NamespaceThread.run(in: host.namespace) {
            var timings = Timings()
            for _ in 0..<count {
                if let seconds = try attempt(destination, timeout: timeout) {
                    timings.seconds.append(seconds)
                } else {
                    timings.failures += 1
                }
            }
            return timings
        }
    }

    /// The handshake's duration, or nil when it failed.
    private static func attempt(_ destination: Endpoint4, timeout: Double) throws -> Double? {
        let fd = try Sockets.open(Int32(SOCK_STREAM.rawValue))
        defer {
            var reset = linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
            close(fd)
        }
        var address = destination.sockaddr
        let start = monotonicSeconds()
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 {
            guard errno == EINPROGRESS else { return nil }
            var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&waiting, 1, Int32(timeout * 1000)) == 1 else { return nil }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 else { return nil }
        }
        return monotonicSeconds() - start
    }
}
