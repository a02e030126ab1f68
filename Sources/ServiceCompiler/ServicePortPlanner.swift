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
        // Indices rather than copies: copying Services and slices would retain every field.
        var slicesByService: [ServiceKey: [Int]] = [:]
        for index in state.endpointSlices.indices where state.endpointSlices[index].addressType.family == family {
            let slice = state.endpointSlices[index]
            slicesByService[ServiceKey(namespace: slice.metadata.namespace, name: slice.serviceName), default: []].append(index)
        }
        for key in slicesByService.keys where slicesByService[key]!.count > 1 {
            slicesByService[key]!.sort {
                state.endpointSlices[$0].metadata.name.precedesInByteOrder(state.endpointSlices[$1].metadata.name)
            }
        }

        var ordered: [(service: Int, port: Int, key: String)] = []
        for (serviceIndex, service) in state.services.enumerated() {
            guard service.type != .externalName, !service.isHeadless,
                  service.clusterIP(for: family) != nil else { continue }
            let key = service.metadata.key
            for portIndex in service.ports.indices { ordered.append((serviceIndex, portIndex, key)) }
        }
        ordered.sort { lhs, rhs in
            if lhs.key != rhs.key { return lhs.key.precedesInByteOrder(rhs.key) }
            return state.services[lhs.service].ports[lhs.port].name
                .precedesInByteOrder(state.services[rhs.service].ports[rhs.port].name)
        }

        // Ports are independent: plan them in one run per core.
        let runs = ordered.count >= 2_000 ? 2 : 1
        let runLength = (ordered.count + runs - 1) / runs
        let results = UnsafeMutableBufferPointer<[ServicePortPlan]>.allocate(capacity: runs)
        results.initialize(repeating: [])
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let output = results
        let slices = slicesByService
        let ports = ordered
        DispatchQueue.concurrentPerform(iterations: runs) { run in
            let lower = min(run * runLength, ports.count)
            let upper = min(lower + runLength, ports.count)
            // Borrow Services and slices through buffer pointers: copies would retain every field.
            output[run] = state.services.withUnsafeBufferPointer { services in
                state.endpointSlices.withUnsafeBufferPointer { allSlices in
                    ports[lower..<upper].map { entry in
                        let metadata = services[entry.service].metadata
                        return plan(services[entry.service], serviceKey: entry.key, port: services[entry.service].ports[entry.port],
                                    slices: allSlices,
                                    sliceIndices: slices[ServiceKey(namespace: metadata.namespace, name: metadata.name)] ?? [])
                    }
                }
            }
        }
        return Array(results.joined())
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
        result.sort { $0.endpointString.precedesInByteOrder($1.endpointString) }
        return result
    }
}

/// A Service's namespace and name, the key EndpointSlices are grouped by (no joined String).
struct ServiceKey: Hashable {
    let namespace: String
    let name: String
}

extension EndpointPlan {
    /// `IP:PORT`, or `[IP]:PORT` for IPv6 (Go's JoinHostPort), with the IP as written.
    static func endpointString(_ address: String, port: Int, family: IPFamily) -> String {
        // No reserveCapacity: most endpoint strings fit a small (inline) String.
        var text = family == .ipv6 ? "[" + address + "]" : address
        text.append(":")
        text.append(String(port))
        return text
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
        var hasher = SHA256()
        // The parts are hashed one after another: the same digest as their concatenation.
        func feed(_ part: String) {
            // Native and small strings are contiguous; the fallback copies.
            if part.utf8.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) == nil {
                var copy = part
                copy.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            }
        }
        feed(a)
        feed(b)
        feed(c)
        var result = ChainHashInput(suffix: (0, 0))
        withUnsafeMutableBytes(of: &result.suffix) { raw in
            ChainHash.encode(hasher.finalize(), into: raw.bindMemory(to: UInt8.self))
        }
        return result
    }

    func chain(_ prefix: StaticString) -> ChainName {
        var suffix = self.suffix
        return withUnsafeBytes(of: &suffix) { raw in
            ChainName(prefix: prefix, suffix: raw.bindMemory(to: UInt8.self))
        }
    }
}
