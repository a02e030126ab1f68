#if canImport(Glibc)
import Glibc
#endif
import ClusterState
import NetworkAddresses
import PairedThreads
import RuleModel

/// Turns Services and EndpointSlices into per-port plans for one IP family, in the order the
/// reference dumps list Services: by `namespace/name`, then by port name, both as bytes.
package struct ServicePortPlanner {
    let settings: NodeSettings
    let family: IPFamily
    /// Looked up once, not per port.
    private let nodeZone: String?

    package init(settings: NodeSettings, family: IPFamily) {
        self.settings = settings
        self.family = family
        nodeZone = settings.nodeLabels["topology.kubernetes.io/zone"]
    }

    package func plans(for state: ClusterState) -> ServicePortPlans {
        // Services and slices are borrowed through buffer pointers throughout: copying one
        // retains every field it holds.
        ServicePortPlans(owning: state.services.withUnsafeBufferPointer { services in
            state.endpointSlices.withUnsafeBufferPointer { slices in
                plans(services: services, slices: slices)
            }
        })
    }

    /// One port of a Service, with the Service's key and its first bytes for sorting.
    private typealias PortEntry = (service: Int, port: Int, key: String, prefix: BytePrefix)

    /// The slices of this family by Service, each Service's in byte order of slice name
    /// (indices rather than copies of the slices).
    private func groupSlices(_ slices: UnsafeBufferPointer<EndpointSlice>, services: Int) -> [ServiceKey: [Int]] {
        var slicesByService: [ServiceKey: [Int]] = [:]
        slicesByService.reserveCapacity(services)
        for index in slices.indices where slices[index].addressType.family == family {
            slicesByService[ServiceKey(namespace: slices[index].metadata.namespace, name: slices[index].serviceName),
                            default: []].append(index)
        }
        for key in slicesByService.keys where slicesByService[key]!.count > 1 {
            slicesByService[key]!.sort { slices[$0].metadata.name.precedesInByteOrder(slices[$1].metadata.name) }
        }
        return slicesByService
    }

    /// The ports that get rules, in kube-proxy's order: by Service key, then port name.
    private func orderPorts(_ services: UnsafeBufferPointer<Service>) -> [PortEntry] {
        var ordered: [PortEntry] = []
        ordered.reserveCapacity(services.count)
        for serviceIndex in services.indices {
            let service = services.baseAddress! + serviceIndex
            guard service.pointee.type != .externalName, !service.pointee.isHeadless,
                  service.pointee.clusterIPs.contains(where: { $0.family == family }) else { continue }
            let key = service.pointee.metadata.key
            let prefix = BytePrefix(key)
            for portIndex in service.pointee.ports.indices { ordered.append((serviceIndex, portIndex, key, prefix)) }
        }
        ordered.sort { lhs, rhs in
            if lhs.prefix != rhs.prefix { return lhs.prefix < rhs.prefix }
            if lhs.key != rhs.key { return lhs.key.precedesInByteOrder(rhs.key) }
            return services[lhs.service].ports[lhs.port].name.precedesInByteOrder(services[rhs.service].ports[rhs.port].name)
        }
        return ordered
    }

    /// The plans in a new allocation, every element initialized.
    private func plans(services: UnsafeBufferPointer<Service>,
                       slices: UnsafeBufferPointer<EndpointSlice>) -> UnsafeMutableBufferPointer<ServicePortPlan> {
        // Grouping the slices and ordering the ports are independent: for large inputs,
        // one thread each.
        let slicesOfService: [ServiceKey: [Int]]
        let ports: [PortEntry]
        if services.count >= 2_000 {
            nonisolated(unsafe) let (services, slices) = (services, slices)
            nonisolated(unsafe) var (grouped, sorted) = ([ServiceKey: [Int]](), [PortEntry]())
            PairedThreads.run { task in
                if task == 0 { grouped = groupSlices(slices, services: services.count) } else { sorted = orderPorts(services) }
            }
            (slicesOfService, ports) = (grouped, sorted)
        } else {
            (slicesOfService, ports) = (groupSlices(slices, services: services.count), orderPorts(services))
        }

        // Ports are independent: plan them in one run per core, each run initializing its
        // own range of the result in place.
        let runs = ports.count >= 2_000 ? 2 : 1
        let runLength = (ports.count + runs - 1) / runs
        nonisolated(unsafe) let services = services
        nonisolated(unsafe) let slices = slices
        let result = UnsafeMutableBufferPointer<ServicePortPlan>.allocate(capacity: ports.count)
        nonisolated(unsafe) let output = result
        let planPart: @Sendable (Int) -> Void = { run in
            let lower = min(run * runLength, ports.count)
            let upper = min(lower + runLength, ports.count)
            for position in lower..<upper {
                let entry = ports[position]
                let service = services.baseAddress! + entry.service
                let sliceIndices = slicesOfService[ServiceKey(namespace: service.pointee.metadata.namespace,
                                                              name: service.pointee.metadata.name)] ?? []
                (output.baseAddress! + position).initialize(to: plan(
                    service.pointee, serviceKey: entry.key, port: service.pointee.ports[entry.port],
                    slices: slices, sliceIndices: sliceIndices))
            }
        }
        // The same two threads as the layouts that follow (see PairedThreads).
        if runs == 2 { PairedThreads.run(planPart) } else { planPart(0) }
        return result
    }

    private func plan(_ service: Service, serviceKey: String, port: ServicePort,
                      slices: UnsafeBufferPointer<EndpointSlice>, sliceIndices: [Int]) -> ServicePortPlan {
        let name = port.name.isEmpty ? serviceKey : serviceKey + ":" + port.name
        let l4 = L4Protocol(port.protocol)

        let externalIPs = service.externalIPs.filter { $0.family == family }
        let vips = service.loadBalancerIngress.compactMap { ingress -> IPAddress? in
            guard let ip = ingress.ip, ip.family == family else { return nil }
            if settings.featureGates.loadBalancerIPMode && ingress.ipMode == .proxy { return nil }
            return ip
        }
        let externallyAccessibleService = service.type == .nodePort || service.type == .loadBalancer
            || (service.type == .clusterIP && !service.externalIPs.isEmpty)
        let externalPolicyLocal = externallyAccessibleService && service.externalTrafficPolicy == .local
        let internalPolicyLocal = service.internalTrafficPolicy == .local
        let needsHealthCheck = service.type == .loadBalancer && service.externalTrafficPolicy == .local

        let endpoints = gatherEndpoints(name: name, l4: l4, port: port, slices: slices, sliceIndices: sliceIndices)
        let portAccessible = port.nodePort != 0 || !vips.isEmpty || !externalIPs.isEmpty
        let usesClusterEndpoints = !internalPolicyLocal || portAccessible
        let usesLocalEndpoints = internalPolicyLocal || (externalPolicyLocal && portAccessible)
        let annotations = service.metadata.annotations
        // Most Services have no annotations: skip hashing the two keys.
        let hints = annotations.isEmpty ? nil
            : annotations["service.kubernetes.io/topology-aware-hints"] ?? annotations["service.kubernetes.io/topology-mode"]
        let topology = EndpointSelection.Topology(featureGates: settings.featureGates, hintsAnnotation: hints, nodeZone: nodeZone)

        var affinitySeconds: UInt32? = nil
        if case .clientIP(let timeout) = service.sessionAffinity { affinitySeconds = UInt32(clamping: timeout) }

        return ServicePortPlan(
            name: name, namespace: service.metadata.namespace, serviceName: service.metadata.name, portName: port.name,
            l4Protocol: l4, clusterIP: service.clusterIP(for: family)!,
            port: UInt16(clamping: port.port), nodePort: UInt16(clamping: port.nodePort),
            healthCheckNodePort: needsHealthCheck ? UInt16(clamping: service.healthCheckNodePort) : 0,
            externalIPs: externalIPs, loadBalancerVIPs: vips,
            sourceRanges: service.loadBalancerSourceRanges.filter { $0.family == family }.map(\.network),
            externalPolicyLocal: externalPolicyLocal, internalPolicyLocal: internalPolicyLocal,
            affinitySeconds: affinitySeconds,
            endpoints: endpoints,
            selection: EndpointSelection(endpoints: endpoints, usesClusterEndpoints: usesClusterEndpoints,
                                         usesLocalEndpoints: usesLocalEndpoints, topology: topology))
    }

    /// The endpoints of every slice port whose name and protocol equal the Service port's,
    /// deduplicated by endpoint string (a local copy wins), sorted by endpoint string.
    /// Slices and endpoints are read in place: copying an Endpoint retains its strings.
    private func gatherEndpoints(name: String, l4: L4Protocol, port: ServicePort,
                                 slices: UnsafeBufferPointer<EndpointSlice>, sliceIndices: [Int]) -> [EndpointPlan] {
        var result: [EndpointPlan] = []
        result.reserveCapacity(sliceIndices.reduce(0) { $0 + slices[$1].endpoints.count })
        // Most ports have a handful of endpoints: duplicates are found by scanning until a
        // dictionary pays off.
        var positionByText: [EndpointText: Int]? = nil
        for sliceIndex in sliceIndices {
            let slice = slices.baseAddress! + sliceIndex
            guard let slicePort = slice.pointee.ports.first(where: { $0.name == port.name && $0.protocol == port.protocol }),
                  let number = slicePort.port, number > 0 else { continue }
            slice.pointee.endpoints.withUnsafeBufferPointer { endpoints in
                for index in endpoints.indices {
                    let endpoint = endpoints.baseAddress! + index
                    guard endpoint.pointee.address.family == family else { continue }
                    let text = EndpointText(address: endpoint.pointee.addressText, port: number, family: family)
                    let isLocal = !settings.hostname.isEmpty && endpoint.pointee.nodeName == settings.hostname
                    let existing: Int?
                    if let positionByText {
                        existing = positionByText[text]
                    } else {
                        // Address and port first: integers, and different for all but duplicates.
                        existing = result.firstIndex {
                            $0.address == endpoint.pointee.address && $0.port == UInt16(clamping: number) && $0.endpointString == text
                        }
                    }
                    if existing != nil && !isLocal { continue }
                    let conditions = endpoint.pointee.conditions
                    let plan = EndpointPlan(
                        endpointString: text, address: endpoint.pointee.address, port: UInt16(clamping: number),
                        isLocal: isLocal, isReady: conditions.isReady,
                        isServing: conditions.isServing, isTerminating: conditions.isTerminating,
                        zoneHints: endpoint.pointee.zoneHints)
                    if let existing {
                        result[existing] = plan
                    } else {
                        positionByText?[text] = result.count
                        result.append(plan)
                        if positionByText == nil && result.count == 32 {
                            positionByText = Dictionary(uniqueKeysWithValues: result.indices.map { (result[$0].endpointString, $0) })
                        }
                    }
                }
            }
        }
        return EndpointPlan.sortedByEndpointString(result)
    }
}

/// Plans of every Service port of one family, for backends other than the iptables one.
public enum ServicePortPlanning {
    /// Every Service port that gets rules, in kube-proxy's order (by `namespace/name`, then
    /// port name, as bytes), with its endpoints and their selection per traffic policy.
    public static func plans(_ state: ClusterState, settings: NodeSettings, family: IPFamily) -> [ServicePortPlan] {
        let owned = ServicePortPlanner(settings: settings, family: family).plans(for: state)
        let buffer = owned.buffer
        let plans = [ServicePortPlan](unsafeUninitializedCapacity: buffer.count) { destination, initialized in
            _ = destination.moveInitialize(fromContentsOf: buffer)
            initialized = buffer.count
        }
        owned.deallocateDeinitialized()
        return plans
    }
}

/// A Service's namespace and name, the key EndpointSlices are grouped by (no joined String).
struct ServiceKey: Hashable {
    let namespace: String
    let name: String
}

extension EndpointPlan {
    /// `plans` in byte order of their endpoint strings. The order is worked out on indices
    /// and the plans are then swapped into place: sorting the plans themselves copies every
    /// one of them, with its retains, at each step.
    static func sortedByEndpointString(_ plans: consuming [EndpointPlan]) -> [EndpointPlan] {
        let order: [Int]? = plans.withUnsafeBufferPointer { plans in
            let inOrder = plans.indices.dropFirst().allSatisfy {
                !(plans[$0].endpointString < plans[$0 - 1].endpointString)
            }
            return inOrder ? nil : plans.indices.sorted { plans[$0].endpointString < plans[$1].endpointString }
        }
        guard let order else { return plans }
        plans.withUnsafeMutableBufferPointer { buffer in
            // Position i receives the plan first at order[i]; a plan whose first position
            // is already behind i was swapped away from it, and the chain says where to.
            for position in buffer.indices {
                var source = order[position]
                while source < position { source = order[source] }
                buffer.swapAt(position, source)
            }
        }
        return plans
    }
}

/// A string's first 16 UTF-8 bytes as two big-endian words, zero-padded: comparing two of
/// them orders the strings as their bytes do, except for ties, which a full comparison settles.
/// Sorting ten thousand Service keys compares integers instead of strings.
struct BytePrefix: Comparable {
    private let high: UInt64
    private let low: UInt64

    init(_ text: String) {
        var text = text
        var words: (UInt64, UInt64) = (0, 0)
        text.withUTF8 { bytes in
            withUnsafeMutableBytes(of: &words) { raw in
                if let start = bytes.baseAddress { raw.baseAddress!.copyMemory(from: start, byteCount: min(bytes.count, 16)) }
            }
        }
        high = UInt64(bigEndian: words.0)
        low = UInt64(bigEndian: words.1)
    }

    static func < (lhs: BytePrefix, rhs: BytePrefix) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

extension String {
    /// Byte-wise comparison of the UTF-8 text (what Go's string `<` and the reference
    /// dumps' sort use), without Unicode-aware String comparison.
    func precedesInByteOrder(_ other: String) -> Bool {
        var (lhs, rhs) = (self, other)
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                let common = min(left.count, right.count)
                if common > 0 {
                    let order = memcmp(left.baseAddress!, right.baseAddress!, common)
                    if order != 0 { return order < 0 }
                }
                return left.count < right.count
            }
        }
    }
}

extension L4Protocol {
    public init(_ kube: KubeProtocol) {
        switch kube {
        case .tcp: self = .tcp
        case .udp: self = .udp
        case .sctp: self = .sctp
        }
    }
}
