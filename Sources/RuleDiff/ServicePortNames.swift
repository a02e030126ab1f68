import RuleModel
import ServiceCompiler

/// Service-port names that may appear in a pair of rulesets, indexed by the chain hash they
/// produce, so that a `KUBE-SVC-…` chain without comments (or with comments that were lost)
/// can still be named. Names come from the comments on either side and, when a side was
/// compiled from manifests, from its Services.
public struct ServicePortNames: Sendable {
    private var byHash: [String: (name: String, proto: L4Protocol)] = [:]
    private var known: Set<String> = []

    public init() {}

    public init<S: Sequence>(_ names: S) where S.Element == String {
        for name in names { add(name) }
    }

    /// Adds `namespace/name:port` (or `namespace/name`) under every protocol.
    public mutating func add(_ name: String) {
        guard known.insert(name).inserted else { return }
        for proto in L4Protocol.allCases {
            byHash[ChainHash.suffix(of: name + proto.rawValue)] = (name, proto)
        }
    }

    public var names: Set<String> { known }

    /// The Service port and protocol whose SVC/SVL/EXT/FW chains carry this hash suffix.
    func servicePort(forHash suffix: String) -> (name: String, proto: L4Protocol)? {
        byHash[suffix]
    }

    /// Whether `suffix` is the SEP hash of `endpoint` of the given Service port.
    static func isEndpointHash(_ suffix: String, name: String, proto: L4Protocol, endpoint: String) -> Bool {
        ChainHash.suffix(of: name + proto.rawValue + endpoint) == suffix
    }
}
