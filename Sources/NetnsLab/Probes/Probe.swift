import ClusterState

/// One connection attempt: a brand-new socket in `from`'s namespace to `to`.
public struct ProbeRequest: Sendable {
    public var from: LabHost
    public var to: Endpoint4
    public var `protocol`: KubeProtocol
    /// TCP: after the handshake, also wait for the server's line (which endpoint answered,
    /// what source it saw). UDP always carries it in the echo; SCTP never does.
    public var readsReply: Bool

    public init(from: LabHost, to: Endpoint4, protocol: KubeProtocol, readsReply: Bool = false) {
        self.from = from
        self.to = to
        self.protocol = `protocol`
        self.readsReply = readsReply
    }
}

/// How an attempt ended. Only `connected` means the connection got through.
public enum ProbeOutcome: Sendable, Hashable, CustomStringConvertible {
    /// TCP handshake completed (and the reply line arrived, when asked for), UDP echo
    /// received, SCTP COOKIE-ACK received.
    case connected
    /// Actively refused: TCP RST or ICMP port unreachable (ECONNREFUSED), SCTP ABORT.
    case refused
    /// Nothing came back before the timeout.
    case timedOut
    /// Another error, e.g. an ICMP host/net unreachable or a local routing failure.
    case failed(String)

    public var isConnected: Bool { self == .connected }

    public var description: String {
        switch self {
        case .connected: return "connected"
        case .refused: return "refused"
        case .timedOut: return "timed out"
        case .failed(let reason): return "failed (\(reason))"
        }
    }
}

public struct ProbeResult: Sendable {
    public var request: ProbeRequest
    public var outcome: ProbeOutcome
    /// The server's line, when it sent one.
    public var reply: ServerReply?
    /// The source port this attempt used (fresh for every attempt).
    public var sourcePort: UInt16
    /// From the first packet sent to the outcome.
    public var seconds: Double
}

/// Timing and parallelism of a probe run.
public struct ProbeOptions: Sendable {
    /// Per-attempt timeout (the README's "about one second").
    public var timeout: Double
    /// Attempts in flight at once (each holds a socket).
    public var maxInFlight: Int

    public init(timeout: Double = 1.0, maxInFlight: Int = 512) {
        self.timeout = timeout
        self.maxInFlight = maxInFlight
    }
}
