import ClusterState
import NetworkAddresses

/// A port and protocol as the case files write them: `80/TCP`.
public struct PortProtocol: Sendable, Hashable, CustomStringConvertible {
    public var port: Int
    public var `protocol`: KubeProtocol

    public init(_ port: Int, _ proto: KubeProtocol) {
        self.port = port
        self.protocol = proto
    }

    public init?(parsing text: Substring) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(parts[0]), (1...65535).contains(port),
              String(port) == parts[0], let proto = KubeProtocol(rawValue: String(parts[1])) else { return nil }
        self.init(port, proto)
    }

    public var description: String { "\(port)/\(`protocol`.rawValue)" }
}

/// The client of a probe line.
public enum ProbeSource: Sendable, Hashable, CustomStringConvertible {
    case pod(namespace: String, name: String)
    case external(IPAddress)

    public var description: String {
        switch self {
        case .pod(let namespace, let name): return "\(namespace)/\(name)"
        case .external(let address): return "ip:\(address)"
        }
    }
}

/// The server of a probe line.
public enum ProbeTarget: Sendable, Hashable, CustomStringConvertible {
    case pod(namespace: String, name: String)
    case external(IPAddress)
    case service(namespace: String, name: String)

    public var description: String {
        switch self {
        case .pod(let namespace, let name): return "\(namespace)/\(name)"
        case .external(let address): return "ip:\(address)"
        case .service(let namespace, let name): return "svc:\(namespace)/\(name)"
        }
    }
}

public enum ProbeVerdict: String, Sendable, Hashable {
    case allow
    case deny
}

/// `FROM TO PORT/PROTO VERDICT`.
public struct ProbeLine: Sendable, Hashable, CustomStringConvertible {
    public var from: ProbeSource
    public var to: ProbeTarget
    public var port: PortProtocol
    public var verdict: ProbeVerdict
    /// 1-based line in expected.txt (0 for lines made in code).
    public var lineNumber: Int
    /// The `## ` section the line sits in.
    public var section: String

    public init(from: ProbeSource, to: ProbeTarget, port: PortProtocol, verdict: ProbeVerdict,
                lineNumber: Int = 0, section: String = "") {
        self.from = from
        self.to = to
        self.port = port
        self.verdict = verdict
        self.lineNumber = lineNumber
        self.section = section
    }

    /// The line in the case grammar, with `verdict` (the observed one, in reports).
    public func text(verdict: ProbeVerdict) -> String {
        "\(from) \(to) \(port) \(verdict.rawValue)"
    }

    public var description: String { text(verdict: verdict) }

    /// What identifies a line: each (FROM, TO, PORT/PROTO) appears at most once per file.
    public var key: String { "\(from) \(to) \(port)" }
}
