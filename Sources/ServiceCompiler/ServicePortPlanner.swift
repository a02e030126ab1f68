#if canImport(Glibc)
import Glibc
#endif
import ClusterState
import Crypto
import Dispatch
import NetworkAddresses
import RuleModel

/// Turns Services and EndpointSlices into per-port plans for one IP family, in the order the
/// reference dumps list Services: by `namespace/name`, then by port name, both as bytes.
struct ServicePortPlanner {
    let settings: NodeSettings
    let family: IPFamily

    func plans(for state: ClusterState) -> [ServicePortPlan] {
        // Services and slices are borrowed through buffer pointers throughout: copying one
        // retains every field it holds.
        state.services.withUnsafeBufferPointer { services in
            state.endpointSlices.withUnsafeBufferPointer { slices in
                plans(services: services, slices: slices)
            }
        }
    }

    private func plans(services: UnsafeBufferPointer<Service>, slices: UnsafeBufferPointer<EndpointSlice>) -> [ServicePortPlan] {
        // Indices rather than copies of the slices.
        var slicesByService: [ServiceKey: [Int]] = [:]
        slicesByService.reserveCapacity(services.count)
        for index in slices.indices where slices[index].addressType.family == family {
            slicesByService[ServiceKey(namespace: slices[index].metadata.namespace, name: slices[index].serviceName),
                            default: []].append(index)
        }
        for key in slicesByService.keys where slicesByService[key]!.count > 1 {
            slicesByService[key]!.sort { slices[$0].metadata.name.precedesInByteOrder(slices[$1].metadata.name) }
        }

        var ordered: [(service: Int, port: Int, key: String, prefix: BytePrefix)] = []
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

        // Ports are independent: plan them in one run per core, each run initializing its
        // own range of the result in place.
        let runs = ordered.count >= 2_000 ? 2 : 1
        let runLength = (ordered.count + runs - 1) / runs
        let slicesOfService = slicesByService
        let ports = ordered
        nonisolated(unsafe) let services = services
        nonisolated(unsafe) let slices = slices
        return [ServicePortPlan](unsafeUninitializedCapacity: ports.count) { result, initialized in
            nonisolated(unsafe) let output = result
            DispatchQueue.concurrentPerform(iterations: runs) { run in
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
            initialized = ports.count
        }
    }

    private func plan(_ service: Service, serviceKey: String, port: ServicePort,
                      slices: UnsafeBufferPointer<EndpointSlice>, sliceIndices: [Int]) -> ServicePortPlan {
        let name = port.name.isEmpty ? serviceKey : serviceKey + ":" + port.name
        let l4 = L4Protocol(port.protocol)
        let hash = ChainHashInput.suffix(name, l4.rawValue, "")

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
        let topology = EndpointSelection.Topology(
            featureGates: settings.featureGates,
            hintsAnnotation: annotations["service.kubernetes.io/topology-aware-hints"]
                ?? annotations["service.kubernetes.io/topology-mode"],
            nodeZone: settings.nodeLabels["topology.kubernetes.io/zone"])

        var affinitySeconds: UInt32? = nil
        if case .clientIP(let timeout) = service.sessionAffinity { affinitySeconds = UInt32(clamping: timeout) }

        return ServicePortPlan(
            name: name, l4Protocol: l4, clusterIP: service.clusterIP(for: family)!,
            port: UInt16(clamping: port.port), nodePort: UInt16(clamping: port.nodePort),
            healthCheckNodePort: needsHealthCheck ? UInt16(clamping: service.healthCheckNodePort) : 0,
            externalIPs: externalIPs, loadBalancerVIPs: vips,
            sourceRanges: service.loadBalancerSourceRanges.filter { $0.family == family }.map(\.network),
            externalPolicyLocal: externalPolicyLocal, internalPolicyLocal: internalPolicyLocal,
            affinitySeconds: affinitySeconds,
            serviceChain: hash.chain("KUBE-SVC-"), localChain: hash.chain("KUBE-SVL-"),
            externalChain: hash.chain("KUBE-EXT-"), firewallChain: hash.chain("KUBE-FW-"),
            endpoints: endpoints,
            selection: EndpointSelection(endpoints: endpoints, usesClusterEndpoints: usesClusterEndpoints,
                                         usesLocalEndpoints: usesLocalEndpoints, topology: topology))
    }

    /// The endpoints of every slice port whose name and protocol equal the Service port's,
    /// deduplicated by endpoint string (a local copy wins), sorted by endpoint string.
    private func gatherEndpoints(name: String, l4: L4Protocol, port: ServicePort,
                                 slices: UnsafeBufferPointer<EndpointSlice>, sliceIndices: [Int]) -> [EndpointPlan] {
        var result: [EndpointPlan] = []
        result.reserveCapacity(sliceIndices.reduce(0) { $0 + slices[$1].endpoints.count })
        // Most ports have a handful of endpoints: find duplicates by scanning until a
        // dictionary pays off.
        var positionByString: [String: Int]? = nil
        func position(of endpointString: String) -> Int? {
            if let positionByString { return positionByString[endpointString] }
            return result.firstIndex { $0.endpointString == endpointString }
        }
        for sliceIndex in sliceIndices {
            guard let slicePort = slices[sliceIndex].ports.first(where: { $0.name == port.name && $0.protocol == port.protocol }),
                  let number = slicePort.port, number > 0 else { continue }
            for endpoint in slices[sliceIndex].endpoints where endpoint.address.family == family {
                let endpointString = EndpointPlan.endpointString(endpoint.addressText, port: number, family: family)
                let isLocal = !settings.hostname.isEmpty && endpoint.nodeName == settings.hostname
                let existing = position(of: endpointString)
                if existing != nil && !isLocal { continue }
                let plan = EndpointPlan(
                    endpointString: endpointString, address: endpoint.address, port: UInt16(clamping: number),
                    isLocal: isLocal, isReady: endpoint.conditions.isReady,
                    isServing: endpoint.conditions.isServing, isTerminating: endpoint.conditions.isTerminating,
                    zoneHints: endpoint.zoneHints,
                    chain: ChainHashInput.suffix(name, l4.rawValue, endpointString).chain("KUBE-SEP-"))
                if let existing {
                    result[existing] = plan
                } else {
                    positionByString?[endpointString] = result.count
                    result.append(plan)
                    if positionByString == nil && result.count == 32 {
                        positionByString = Dictionary(uniqueKeysWithValues: result.enumerated().map { ($1.endpointString, $0) })
                    }
                }
            }
        }
        return EndpointPlan.sortedByEndpointString(result)
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
                !plans[$0].endpointString.precedesInByteOrder(plans[$0 - 1].endpointString)
            }
            return inOrder ? nil : plans.indices.sorted { plans[$0].endpointString.precedesInByteOrder(plans[$1].endpointString) }
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

    /// `IP:PORT`, or `[IP]:PORT` for IPv6 (Go's JoinHostPort), with the IP as written.
    static func endpointString(_ address: String, port: Int, family: IPFamily) -> String {
        var address = address
        // Written once into a stack buffer: building the String piece by piece (three
        // appends and a number conversion) cost more than the rest of planning an endpoint.
        return address.withUTF8 { text in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: text.count + 24) { buffer in
                var used = 0
                if family == .ipv6 { buffer[used] = UInt8(ascii: "["); used += 1 }
                _ = UnsafeMutableBufferPointer(rebasing: buffer[used...]).initialize(fromContentsOf: text)
                used += text.count
                if family == .ipv6 { buffer[used] = UInt8(ascii: "]"); used += 1 }
                buffer[used] = UInt8(ascii: ":")
                used += 1
                var digits = 1
                var scan = port / 10
                while scan > 0 { digits += 1; scan /= 10 }
                var rest = port
                for position in stride(from: used + digits - 1, through: used, by: -1) {
                    buffer[position] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
                    rest /= 10
                }
                used += digits
                return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<used]), as: UTF8.self)
            }
        }
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

/// The 16-character hash of `a + b + c`, computed without joining the strings, from which
/// the per-port chain names (one hash, four prefixes) are made.
struct ChainHashInput {
    private var suffix: (UInt64, UInt64)

    static func suffix(_ a: String, _ b: String, _ c: String) -> ChainHashInput {
        var (a, b, c) = (a, b, c)
        return a.withUTF8 { a in
            b.withUTF8 { b in
                c.withUTF8 { c in
                    // Joined on the stack and hashed in one update: each update through the
                    // hasher costs more than copying a few dozen bytes.
                    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: a.count + b.count + c.count) { joined in
                        var end = joined.initialize(fromContentsOf: a)
                        end = UnsafeMutableBufferPointer(rebasing: joined[end...]).initialize(fromContentsOf: b) + end
                        _ = UnsafeMutableBufferPointer(rebasing: joined[end...]).initialize(fromContentsOf: c)
                        var hasher = SHA256()
                        hasher.update(bufferPointer: UnsafeRawBufferPointer(joined))
                        var result = ChainHashInput(suffix: (0, 0))
                        withUnsafeMutableBytes(of: &result.suffix) { raw in
                            ChainHash.encode(hasher.finalize(), into: raw.bindMemory(to: UInt8.self))
                        }
                        return result
                    }
                }
            }
        }
    }

    func chain(_ prefix: StaticString) -> ChainName {
        var suffix = self.suffix
        return withUnsafeBytes(of: &suffix) { raw in
            ChainName(prefix: prefix, suffix: raw.bindMemory(to: UInt8.self))
        }
    }
}
