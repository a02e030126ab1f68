import ClusterState
import NetworkAddresses
import PacketTrace
import RuleDiff
import RuleModel

/// What to trace: a packet given by addresses, or sent from a pod of the manifests.
public struct TraceRequest: Sendable {
    public enum Source: Sendable {
        case address(IPAddress)
        /// `namespace/name` of a Pod in the manifests.
        case pod(String)
    }

    public var source: Source
    public var destination: IPAddress
    public var proto: L4Protocol
    public var destinationPort: UInt16
    public var sourcePort: UInt16
    /// The interfaces the packet arrives on and leaves by (`-i`/`-o` matches); nil: unknown.
    public var inInterface: String?
    public var outInterface: String?

    public init(source: Source, destination: IPAddress, proto: L4Protocol, destinationPort: UInt16, sourcePort: UInt16 = 40000) {
        self.source = source
        self.destination = destination
        self.proto = proto
        self.destinationPort = destinationPort
        self.sourcePort = sourcePort
    }
}

extension Review {
    /// Traces a packet through a side's rules: for manifests, everything PacketPath compiles
    /// (kube-proxy's chains and the NetworkPolicy chains), with the node's addresses from their
    /// NodeConfig; for a side of rules, `nodeAddresses` (kube-proxy's test node addresses when
    /// nil, which the result notes).
    public static func trace(_ side: LoadedSide, _ request: TraceRequest, nodeAddresses: [IPPrefix]? = nil,
                             recentEntries: [ChainName: Set<IPAddress>] = [:], limits: TraceLimits = TraceLimits()) throws -> TraceResult {
        let packet = try self.packet(side, request)
        let (tracer, notes) = try self.tracer(side, family: packet.destination.family, nodeAddresses: nodeAddresses,
                                              recentEntries: recentEntries, limits: limits)
        var result = tracer.trace(packet)
        result.notes = notes + result.notes
        return result
    }

    /// A tracer over a side's rules of one family (compile once, trace many packets), and notes
    /// about assumptions made.
    public static func tracer(_ side: LoadedSide, family: IPFamily, nodeAddresses: [IPPrefix]? = nil,
                              recentEntries: [ChainName: Set<IPAddress>] = [:],
                              limits: TraceLimits = TraceLimits()) throws -> (PacketTracer, notes: [String]) {
        if let state = side.cluster?.state {
            return (tracer(state, family: family, nodeAddresses: nodeAddresses, recentEntries: recentEntries, limits: limits), [])
        }
        // No rules of the family (an empty namespace, a v4-only dump) is a real answer: the
        // kernel then neither filters nor rewrites, and the trace shows exactly that.
        let found = side.rulesets().first(where: { $0.family == family })
        let ruleset = found ?? Ruleset(family: family)
        if let loop = JumpLoop.find(in: ruleset) { throw SideError("\(side.label): \(loop)") }
        var notes = nodeAddresses == nil
            ? ["node addresses unknown for a rules file: using kube-proxy's test node's (--node-address to set them)"] : []
        if found == nil { notes.append("\(side.label) has no \(family.rawValue) rules: nothing filters or rewrites the packet") }
        let environment = TraceEnvironment(interfaceAddresses: nodeAddresses ?? NodeSettings.testDefaults.interfaceAddresses,
                                           recentEntries: recentEntries, limits: limits)
        // Read back rules carry no provenance: it is worked out once, so policy verdicts are told apart.
        return (PacketTracer(ruleset: ParsedProvenance.attributed(ruleset), environment: environment), notes)
    }

    /// A tracer over everything PacketPath compiles for `state` (Service and NetworkPolicy
    /// chains), with the node's addresses from its settings.
    public static func tracer(_ state: ClusterState, family: IPFamily, nodeAddresses: [IPPrefix]? = nil,
                              recentEntries: [ChainName: Set<IPAddress>] = [:], limits: TraceLimits = TraceLimits()) -> PacketTracer {
        let environment = TraceEnvironment(interfaceAddresses: nodeAddresses ?? state.settings.interfaceAddresses,
                                           recentEntries: recentEntries, limits: limits)
        return PacketTracer(ruleset: Pipeline.compile(state, families: [family])[0], environment: environment)
    }

    /// The packet a request stands for (a `--from-pod` source is looked up in the manifests).
    public static func packet(_ side: LoadedSide, _ request: TraceRequest) throws -> TracePacket {
        let family = request.destination.family
        let source: IPAddress
        switch request.source {
        case .address(let address):
            source = address
        case .pod(let key):
            guard let state = side.cluster?.state else { throw SideError("--from-pod needs manifests with the Pod") }
            guard let pod = state.pods.first(where: { $0.metadata.key == key }) else { throw SideError("no Pod \(key) in the manifests") }
            guard let address = pod.podIPs.first(where: { $0.family == family }) else {
                throw SideError("Pod \(key) has no \(family.rawValue) address (status.podIPs)")
            }
            source = address
        }
        guard source.family == family else { throw SideError("source \(source) and destination \(request.destination) are of different families") }
        var packet = TracePacket(source: source, destination: request.destination, proto: request.proto,
                                 sourcePort: request.sourcePort, destinationPort: request.destinationPort)
        packet.inInterface = request.inInterface
        packet.outInterface = request.outInterface
        return packet
    }

    /// The share of new connections each endpoint of a Service port should get, from a trace
    /// of a client to its cluster IP (a pod-network address when none is given): what a lab's
    /// real connections are tested against (`ChiSquareTest`). Keys are `IP:port` endpoints.
    public static func expectedDistribution(_ state: ClusterState, service key: String, port portName: String? = nil,
                                            family: IPFamily? = nil, client: IPAddress? = nil) throws -> [(key: String, probability: Probability)] {
        guard let service = state.services.first(where: { $0.metadata.key == key }) else { throw SideError("no Service \(key)") }
        let chosenFamily = family ?? service.clusterIPs.first?.family ?? Pipeline.defaultFamilies(for: state).first ?? .ipv4
        guard let clusterIP = service.clusterIP(for: chosenFamily) else { throw SideError("Service \(key) has no \(chosenFamily.rawValue) cluster IP") }
        guard let port = service.ports.first(where: { portName == nil || $0.name == portName }) else {
            throw SideError("Service \(key) has no port \(portName ?? "")")
        }
        let packet = TracePacket(source: try client ?? clientAddress(in: state, family: chosenFamily), destination: clusterIP,
                                 proto: L4Protocol(port.protocol), destinationPort: UInt16(port.port))
        return ServiceDistribution.expected(tracer(state, family: chosenFamily).trace(packet))
    }

    /// An address inside the cluster CIDR that is no endpoint: a pod-network client.
    static func clientAddress(in state: ClusterState, family: IPFamily) throws -> IPAddress {
        guard let cidr = state.settings.clusterCIDR(for: family) else {
            return family == .ipv4 ? IPAddress("10.0.0.1")! : IPAddress("fd00::1")!
        }
        let base = cidr.network.address
        switch base {
        case .v4(let value): return .v4(value | 0xfe)
        case .v6(let high, let low): return .v6(high, low | 0xfe)
        }
    }
}

extension L4Protocol {
    init(_ proto: KubeProtocol) {
        switch proto {
        case .tcp: self = .tcp
        case .udp: self = .udp
        case .sctp: self = .sctp
        }
    }
}
