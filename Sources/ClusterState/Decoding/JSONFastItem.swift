import NetworkAddresses
#if canImport(Glibc)
import Glibc
#endif

/// Item mode's fast path (`JSONItemDecoding`): a Service or EndpointSlice item of the common
/// shape — strings of plain ASCII, the fields kubectl prints — decoded straight from the bytes
/// into its object, with no tree. Anything else (an escape, a null, a nested field PacketPath
/// does not read, a value the general decoders would refuse, a repeated key, a syntax error…)
/// gives up, and the scanner reads the item again through the tree: every message, field path
/// and position stays the general path's. So the fast path returns only what the general path
/// would, and checks the syntax at least as strictly as `JSONStream.Scanner`.
struct JSONFastItem {
    struct GiveUp: Error {}

    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int
    var line: Int
    var lineStart: Int
    /// Room reused from item to item (kept by the scanner).
    var scratch = Scratch()

    struct Scratch {
        /// The keys of the objects being read, innermost last (start, count pairs), to refuse
        /// a repeated key as the tree does: the first `keyCount` (the array never shrinks, so
        /// that closing an object costs nothing).
        var keys: [Int] = []
        var keyCount = 0

        mutating func pushKey(start: Int, count: Int) {
            if keyCount + 2 <= keys.count {
                keys[keyCount] = start
                keys[keyCount + 1] = count
            } else {
                keys.append(start)
                keys.append(count)
            }
            keyCount += 2
        }
        /// How many endpoints the previous slice had: the room the next slice's list starts
        /// with (the slices of a list are mostly alike; grown by appending from nothing, the
        /// list would be reallocated several times and keep up to twice the room).
        var endpointCount = 0
    }

    init(bytes: UnsafeBufferPointer<UInt8>, index: Int, line: Int, lineStart: Int) {
        self.bytes = bytes
        self.index = index
        self.line = line
        self.lineStart = lineStart
    }

    // MARK: Items

    /// The item at `index` (its `{`), in document `document` of `file`.
    mutating func item(file: String, document: Int) throws(GiveUp) -> DecodedItem {
        let itemLine = line
        var apiVersion: UnsafeBufferPointer<UInt8>?
        var kind: UnsafeBufferPointer<UInt8>?
        var metadata: Metadata?
        var spec = ServiceSpec()
        var addressType: EndpointAddressType?
        var endpoints: [Endpoint] = []
        var slicePorts: [EndpointPort] = []
        try object { reader, key throws(GiveUp) in
            if matches(key, "apiVersion") {
                apiVersion = try reader.plainString()
            } else if matches(key, "kind") {
                kind = try reader.plainString()
            } else if matches(key, "metadata") {
                metadata = try reader.metadata()
            } else if matches(key, "spec") {
                spec = try reader.serviceSpec()
            } else if matches(key, "status") {
                try reader.serviceStatus()
            } else if matches(key, "addressType") {
                addressType = try reader.addressType()
            } else if matches(key, "endpoints") {
                // The addresses are checked against it as they are read.
                guard let family = addressType?.family else { throw GiveUp() }
                endpoints = try reader.endpoints(family)
            } else if matches(key, "ports") {
                slicePorts = try reader.slicePorts()
            } else {
                try reader.skipScalar()
            }
        }
        guard let apiVersion, let kind, let metadata else { throw GiveUp() }
        let location = SourceLocation(file: file, document: document, line: itemLine)
        if matches(kind, "Service") && matches(apiVersion, "v1") {
            let service = try spec.service(try metadata.objectMeta { NameRules.isDNS1035Label(ascii: $0) })
            let id = ObjectID(kind: "Service", namespace: service.metadata.namespace, name: service.metadata.name)
            return DecodedItem(id: id, location: location, object: .service(service))
        }
        if matches(kind, "EndpointSlice") && matches(apiVersion, "discovery.k8s.io/v1"), let addressType {
            let meta = try metadata.objectMeta { NameRules.isDNS1123Subdomain(ascii: $0) }
            guard let serviceName = meta.labels[EndpointSliceDecoder.serviceNameLabel], !serviceName.isEmpty else { throw GiveUp() }
            let slice = EndpointSlice(metadata: meta, serviceName: serviceName, addressType: addressType, endpoints: endpoints,
                                      ports: slicePorts)
            let id = ObjectID(kind: "EndpointSlice", namespace: meta.namespace, name: meta.name)
            return DecodedItem(id: id, location: location, object: .endpointSlice(slice))
        }
        throw GiveUp()
    }

    /// `metadata` as read; checked by `objectMeta` once the kind is known. The name and
    /// namespace are kept as their bytes in the input (valid while the item is read): checked
    /// there, and made Strings only then.
    struct Metadata {
        var name: UnsafeBufferPointer<UInt8>?
        var namespace: UnsafeBufferPointer<UInt8>?
        var labels: [String: String] = [:]
        var annotations: [String: String] = [:]

        func objectMeta(nameValid: (UnsafeBufferPointer<UInt8>) -> Bool) throws(GiveUp) -> ObjectMeta {
            // An empty namespace names the object differently in messages: the general path's.
            guard let name, nameValid(name) else { throw GiveUp() }
            if let namespace, namespace.isEmpty || !NameRules.isDNS1123Label(ascii: namespace) { throw GiveUp() }
            return ObjectMeta(name: asciiString(name), namespace: namespace.map(asciiString) ?? "default", labels: labels,
                              annotations: annotations)
        }
    }

    private mutating func metadata() throws(GiveUp) -> Metadata {
        var metadata = Metadata()
        try object { reader, key throws(GiveUp) in
            if matches(key, "name") {
                metadata.name = try reader.plainString()
            } else if matches(key, "namespace") {
                metadata.namespace = try reader.plainString()
            } else if matches(key, "labels") {
                metadata.labels = try reader.labels()
            } else if matches(key, "annotations") {
                metadata.annotations = try reader.stringMap()
            } else {
                try reader.skipScalar()
            }
        }
        return metadata
    }

    /// Labels or a selector: string values, keys and values valid (checked as read, on the bytes).
    private mutating func labels() throws(GiveUp) -> [String: String] {
        var map: [String: String] = [:]
        try object { reader, key throws(GiveUp) in
            let value = try reader.plainString()
            guard NameRules.isLabelKey(ascii: key), NameRules.isLabelValue(ascii: value) else { throw GiveUp() }
            map[asciiString(key)] = asciiString(value)
        }
        return map
    }

    private mutating func stringMap() throws(GiveUp) -> [String: String] {
        var map: [String: String] = [:]
        try object { reader, key throws(GiveUp) in
            map[asciiString(key)] = try reader.string()
        }
        return map
    }

    // MARK: Services

    /// A Service's `spec` as read: checked by `service` once it is all read (its keys come in
    /// any order).
    struct ServiceSpec {
        var type = ServiceType.clusterIP
        /// The texts in place in the input (valid while the item is read): parsed as bytes.
        var clusterIP: UnsafeBufferPointer<UInt8>?
        var clusterIPs: ClusterIPTexts?
        var families: [IPFamily] = []
        var ports: [RawPort] = []
        var selector: [String: String]?
        var externalIPs: [IPAddress] = []
        var externalTrafficPolicy = TrafficPolicy.cluster
        var internalTrafficPolicy = TrafficPolicy.cluster
        var healthCheckNodePort = 0
        var trafficDistribution: String?

        func service(_ metadata: ObjectMeta) throws(GiveUp) -> Service {
            var service = Service(metadata: metadata, type: type)
            try setClusterIPs(&service)
            service.ports = try servicePorts()
            service.selector = selector
            service.externalIPs = externalIPs
            service.externalTrafficPolicy = externalTrafficPolicy
            service.internalTrafficPolicy = internalTrafficPolicy
            service.healthCheckNodePort = healthCheckNodePort
            service.trafficDistribution = trafficDistribution
            return service
        }

        /// As `ServiceDecoder` reads `clusterIP`, `clusterIPs` and `ipFamilies`.
        private func setClusterIPs(_ service: inout Service) throws(GiveUp) {
            let listed = clusterIPs ?? ClusterIPTexts()
            var texts = listed
            if listed.count == 0, let clusterIP { texts.append(clusterIP) }
            if let clusterIP, listed.count > 0, !sameBytes(listed.first, clusterIP) { throw GiveUp() }
            if texts.count > 0 && matches(texts.first, "None") {
                service.isHeadless = true
                return
            }
            if texts.count == 0 || texts.first.isEmpty { return }
            guard texts.count <= 2 else { throw GiveUp() }
            for index in 0..<texts.count {
                guard let address = IPAddress(utf8: index == 0 ? texts.first : texts.second),
                      ServiceDecoder.clusterIPProblem(address) == nil,
                      index >= families.count || families[index] == address.family,
                      service.clusterIPs.first?.family != address.family else {
                    throw GiveUp()
                }
                service.clusterIPs.append(address)
            }
            service.ipFamilies = families.isEmpty ? service.clusterIPs.map(\.family) : families
        }

        /// As `ServiceDecoder` checks ports: names, repeats, node ports of the type.
        private func servicePorts() throws(GiveUp) -> [ServicePort] {
            var result: [ServicePort] = []
            result.reserveCapacity(ports.count)
            for raw in ports {
                guard let number = raw.port else { throw GiveUp() }
                if raw.nodePort != 0 && type == .clusterIP { throw GiveUp() }
                let port = ServicePort(name: raw.name, protocol: raw.protocol, port: number, targetPort: raw.targetPort,
                                       nodePort: raw.nodePort)
                if ports.count > 1 || !port.name.isEmpty {
                    guard !port.name.isEmpty, NameRules.dns1123LabelProblem(port.name) == nil else { throw GiveUp() }
                }
                if ports.count > 1, result.contains(where: { $0.name == port.name || ($0.port == port.port && $0.protocol == port.protocol) }) {
                    throw GiveUp()
                }
                result.append(port)
            }
            return result
        }
    }

    /// `clusterIPs` as read: how many, and the first two (a third is refused unless the first
    /// is "None" or "", so no more are kept).
    struct ClusterIPTexts {
        var count = 0
        var first = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        var second = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

        mutating func append(_ text: UnsafeBufferPointer<UInt8>) {
            if count == 0 { first = text } else if count == 1 { second = text }
            count += 1
        }
    }

    struct RawPort {
        var port: Int?
        var nodePort = 0
        var name = ""
        var `protocol` = KubeProtocol.tcp
        var targetPort: IntOrString?
    }

    private mutating func serviceSpec() throws(GiveUp) -> ServiceSpec {
        var spec = ServiceSpec()
        try object { reader, key throws(GiveUp) in
            if matches(key, "type") {
                // ExternalName reads other fields: left to the general path.
                let text = try reader.plainString()
                if matches(text, "ClusterIP") {
                    spec.type = .clusterIP
                } else if matches(text, "NodePort") {
                    spec.type = .nodePort
                } else if matches(text, "LoadBalancer") {
                    spec.type = .loadBalancer
                } else {
                    throw GiveUp()
                }
            } else if matches(key, "clusterIP") {
                spec.clusterIP = try reader.plainString()
            } else if matches(key, "clusterIPs") {
                var texts = ClusterIPTexts()
                try reader.list { reader throws(GiveUp) in texts.append(try reader.plainString()) }
                spec.clusterIPs = texts
            } else if matches(key, "ipFamilies") {
                try reader.list { reader throws(GiveUp) in spec.families.append(try reader.family()) }
            } else if matches(key, "ports") {
                try reader.list { reader throws(GiveUp) in spec.ports.append(try reader.servicePort()) }
            } else if matches(key, "selector") {
                spec.selector = try reader.labels()
            } else if matches(key, "externalIPs") {
                try reader.list { reader throws(GiveUp) in
                    guard let address = IPAddress(utf8: try reader.plainString()) else { throw GiveUp() }
                    spec.externalIPs.append(address)
                }
            } else if matches(key, "externalTrafficPolicy") {
                spec.externalTrafficPolicy = try reader.trafficPolicy()
            } else if matches(key, "internalTrafficPolicy") {
                spec.internalTrafficPolicy = try reader.trafficPolicy()
            } else if matches(key, "healthCheckNodePort") {
                spec.healthCheckNodePort = try reader.int(in: 0...65535)
            } else if matches(key, "sessionAffinity") {
                // ClientIP reads sessionAffinityConfig: left to the general path.
                guard matches(try reader.plainString(), "None") else { throw GiveUp() }
            } else if matches(key, "trafficDistribution") {
                spec.trafficDistribution = try reader.string()
            } else if matches(key, "externalName") || matches(key, "loadBalancerSourceRanges") {
                throw GiveUp()
            } else {
                try reader.skipScalar()
            }
        }
        return spec
    }

    private mutating func servicePort() throws(GiveUp) -> RawPort {
        var port = RawPort()
        try object { reader, key throws(GiveUp) in
            if matches(key, "port") {
                port.port = try reader.int(in: 1...65535)
            } else if matches(key, "nodePort") {
                port.nodePort = try reader.int(in: 0...65535)
            } else if matches(key, "name") {
                port.name = try reader.string()
            } else if matches(key, "protocol") {
                port.protocol = try reader.kubeProtocol()
            } else if matches(key, "targetPort") {
                // 0 and "" stand for the port, as if left out.
                if try reader.peek() == UInt8(ascii: "\"") {
                    let name = try reader.string()
                    guard name.isEmpty || NameRules.ianaServiceNameProblem(name) == nil else { throw GiveUp() }
                    port.targetPort = name.isEmpty ? nil : .string(name)
                } else {
                    let number = try reader.int(in: 0...65535)
                    port.targetPort = number == 0 ? nil : .int(number)
                }
            } else {
                try reader.skipScalar()
            }
        }
        return port
    }

    /// `status`: only an empty `loadBalancer` (what kubectl prints for most Services).
    private mutating func serviceStatus() throws(GiveUp) {
        try object { reader, key throws(GiveUp) in
            if matches(key, "loadBalancer") {
                try reader.object { reader, key throws(GiveUp) in
                    if matches(key, "ingress") { throw GiveUp() }
                    try reader.skipScalar()
                }
            } else {
                try reader.skipScalar()
            }
        }
    }

    // MARK: EndpointSlices

    private mutating func addressType() throws(GiveUp) -> EndpointAddressType {
        // FQDN endpoints are checked and dropped: left to the general path.
        switch try plainString() {
        case let text where matches(text, "IPv4"): return .ipv4
        case let text where matches(text, "IPv6"): return .ipv6
        default: throw GiveUp()
        }
    }

    private mutating func endpoints(_ family: IPFamily) throws(GiveUp) -> [Endpoint] {
        // Each endpoint moved into the list as read (a list kept from slice to slice would be
        // copied out, every endpoint retained, and released again at the next slice).
        var endpoints: [Endpoint] = []
        endpoints.reserveCapacity(scratch.endpointCount)
        try list { reader throws(GiveUp) in endpoints.append(try reader.endpoint(family)) }
        scratch.endpointCount = endpoints.count
        // Far fewer than the previous slice: copied out at their count, not to keep the room.
        guard endpoints.capacity > 2 * endpoints.count + 8 else { return endpoints }
        return endpoints.withUnsafeBufferPointer { read in
            [Endpoint](unsafeUninitializedCapacity: read.count) { room, count in
                _ = room.initialize(fromContentsOf: read)
                count = read.count
            }
        }
    }

    private mutating func endpoint(_ family: IPFamily) throws(GiveUp) -> Endpoint {
        var first: (text: UnsafeBufferPointer<UInt8>, address: IPAddress)?
        var addressCount = 0
        var conditions = EndpointConditions()
        var nodeName: String?
        var zone: String?
        var targetPod: String?
        try object { reader, key throws(GiveUp) in
            if matches(key, "addresses") {
                // Every address is checked; the endpoint keeps the first.
                guard first == nil else { throw GiveUp() }
                try reader.list { reader throws(GiveUp) in
                    let text = try reader.plainString()
                    guard let address = IPAddress(utf8: text), address.family == family else { throw GiveUp() }
                    if first == nil { first = (text, address) }
                    addressCount += 1
                }
            } else if matches(key, "conditions") {
                try reader.object { reader, key throws(GiveUp) in
                    if matches(key, "ready") {
                        conditions.ready = try reader.bool()
                    } else if matches(key, "serving") {
                        conditions.serving = try reader.bool()
                    } else if matches(key, "terminating") {
                        conditions.terminating = try reader.bool()
                    } else {
                        try reader.skipScalar()
                    }
                }
            } else if matches(key, "nodeName") {
                nodeName = try reader.string()
            } else if matches(key, "zone") {
                zone = try reader.string()
            } else if matches(key, "targetRef") {
                targetPod = try reader.targetPod()
            } else if matches(key, "hints") {
                throw GiveUp()
            } else {
                try reader.skipScalar()
            }
        }
        guard let first, addressCount <= 100 else { throw GiveUp() }
        return Endpoint(addressText: asciiString(first.text), address: first.address, conditions: conditions, nodeName: nodeName, zone: zone,
                        zoneHints: nil, targetPod: targetPod)
    }

    /// A `targetRef` of string fields: `namespace/name` when it names a Pod.
    private mutating func targetPod() throws(GiveUp) -> String? {
        var kind: String?, name: String?, namespace: String?
        try object { reader, key throws(GiveUp) in
            if matches(key, "kind") {
                kind = try reader.string()
            } else if matches(key, "name") {
                name = try reader.string()
            } else if matches(key, "namespace") {
                namespace = try reader.string()
            } else {
                try reader.skipScalar()
            }
        }
        guard kind == "Pod", let name else { return nil }
        return "\(namespace ?? "")/\(name)"
    }

    private mutating func slicePorts() throws(GiveUp) -> [EndpointPort] {
        var ports: [EndpointPort] = []
        try list { reader throws(GiveUp) in
            var port = EndpointPort(port: nil)
            try reader.object { reader, key throws(GiveUp) in
                if matches(key, "name") {
                    port.name = try reader.string()
                    if !port.name.isEmpty, NameRules.dns1123LabelProblem(port.name) != nil { throw GiveUp() }
                } else if matches(key, "protocol") {
                    port.protocol = try reader.kubeProtocol()
                } else if matches(key, "port") {
                    port.port = try reader.int(in: 0...65535)
                } else {
                    try reader.skipScalar()
                }
            }
            ports.append(port)
        }
        return ports
    }

    // MARK: Values

    private mutating func family() throws(GiveUp) -> IPFamily {
        let text = try plainString()
        if matches(text, "IPv4") { return .ipv4 }
        if matches(text, "IPv6") { return .ipv6 }
        throw GiveUp()
    }

    private mutating func trafficPolicy() throws(GiveUp) -> TrafficPolicy {
        let text = try plainString()
        if matches(text, "Cluster") { return .cluster }
        if matches(text, "Local") { return .local }
        throw GiveUp()
    }

    private mutating func kubeProtocol() throws(GiveUp) -> KubeProtocol {
        let text = try plainString()
        if matches(text, "TCP") { return .tcp }
        if matches(text, "UDP") { return .udp }
        if matches(text, "SCTP") { return .sctp }
        throw GiveUp()
    }

    private mutating func string() throws(GiveUp) -> String {
        asciiString(try plainString())
    }

    /// A JSON string of plain ASCII without escapes: its bytes between the quotes.
    mutating func plainString() throws(GiveUp) -> UnsafeBufferPointer<UInt8> {
        guard try peek() == UInt8(ascii: "\"") else { throw GiveUp() }
        let start = index + 1
        // A word at a time up to the first byte that ends the plain run (as the scanner does).
        var end = JSONStream.plainRunEnd(bytes, from: start)
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                index = end + 1
                return UnsafeBufferPointer(rebasing: bytes[start..<end])
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { throw GiveUp() }
            end += 1
        }
        throw GiveUp()
    }

    /// A JSON integer of at most nine digits in `range` (what the decoders' range checks allow).
    private mutating func int(in range: ClosedRange<Int>) throws(GiveUp) -> Int {
        guard try peek() != UInt8(ascii: "-") else { throw GiveUp() }
        var value = 0
        let start = index
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 {
            value = value &* 10 &+ Int(bytes[index] &- UInt8(ascii: "0"))
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits <= 9, digits == 1 || bytes[start] != UInt8(ascii: "0"), range.contains(value) else { throw GiveUp() }
        // A fraction or an exponent makes it no integer.
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e") { throw GiveUp() }
        return value
    }

    private mutating func bool() throws(GiveUp) -> Bool {
        if try literal("true") { return true }
        if try literal("false") { return false }
        throw GiveUp()
    }

    private mutating func literal(_ word: StaticString) throws(GiveUp) -> Bool {
        let count = word.utf8CodeUnitCount
        guard try peek() == word.utf8Start.pointee, index + count <= bytes.count,
              memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else { return false }
        index += count
        return true
    }

    /// The value of a field PacketPath does not read: a string, number, boolean or null.
    /// Objects and lists give up (the tree checks their keys and nesting).
    private mutating func skipScalar() throws(GiveUp) {
        let first = try peek()
        if first == UInt8(ascii: "\"") {
            _ = try plainString()
        } else if first == UInt8(ascii: "-") || first &- UInt8(ascii: "0") < 10 {
            try skipNumber()
        } else if try !literal("true"), try !literal("false"), try !literal("null") {
            throw GiveUp()
        }
    }

    /// A number of JSON's grammar, as strict as the scanner's.
    private mutating func skipNumber() throws(GiveUp) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ reader: inout JSONFastItem) -> Int {
            let start = reader.index
            while reader.index < reader.bytes.count, reader.bytes[reader.index] &- UInt8(ascii: "0") < 10 { reader.index += 1 }
            return reader.index - start
        }
        let integerStart = index
        let count = digits(&self)
        guard count > 0, count == 1 || bytes[integerStart] != UInt8(ascii: "0") else { throw GiveUp() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw GiveUp() }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw GiveUp() }
        }
    }

    // MARK: Structure

    /// An object's fields: `field` reads the value of each key. A repeated key gives up.
    private mutating func object(_ field: (inout JSONFastItem, UnsafeBufferPointer<UInt8>) throws(GiveUp) -> Void) throws(GiveUp) {
        guard try peek() == UInt8(ascii: "{") else { throw GiveUp() }
        index += 1
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        let firstKey = scratch.keyCount
        defer { scratch.keyCount = firstKey }
        while true {
            let key = try plainString()
            let start = key.baseAddress! - bytes.baseAddress!
            var earlier = firstKey
            while earlier < scratch.keyCount {
                if scratch.keys[earlier + 1] == key.count,
                   memcmp(bytes.baseAddress! + scratch.keys[earlier], key.baseAddress!, key.count) == 0 {
                    throw GiveUp()
                }
                earlier += 2
            }
            scratch.pushKey(start: start, count: key.count)
            guard try peek() == UInt8(ascii: ":") else { throw GiveUp() }
            index += 1
            try field(&self, key)
            let next = try peek()
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "}") { return }
            throw GiveUp()
        }
    }

    /// A list's items, each read by `item`.
    private mutating func list(_ item: (inout JSONFastItem) throws(GiveUp) -> Void) throws(GiveUp) {
        guard try peek() == UInt8(ascii: "[") else { throw GiveUp() }
        index += 1
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try item(&self)
            let next = try peek()
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "]") { return }
            throw GiveUp()
        }
    }

    /// The next byte that is not whitespace (lines counted as the scanner counts them).
    private mutating func peek() throws(GiveUp) -> UInt8 {
        while index < bytes.count {
            let byte = bytes[index]
            if byte > 0x20 { return byte }
            switch byte {
            case 0x20:
                index += 1
                // Mostly the one space after a key's colon.
                if index < bytes.count, bytes[index] > 0x20 { return bytes[index] }
                skipSpaces()
            case 0x0A:
                // Mostly followed by indentation: skipped at once.
                index += 1
                line += 1
                lineStart = index
                skipSpaces()
            case 0x09, 0x0D:
                index += 1
            default:
                return byte
            }
        }
        throw GiveUp()
    }

    /// A run of spaces (the indentation most of `kubectl get -o json`'s bytes are), sixteen
    /// bytes at a time: the first byte of a word that is not a space ends it.
    @inline(__always)
    private mutating func skipSpaces() {
        let spaces: UInt64 = 0x2020_2020_2020_2020
        while index + 16 <= bytes.count {
            let first = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self) ^ spaces
            if first != 0 {
                index += UInt64(littleEndian: first).trailingZeroBitCount / 8
                return
            }
            let second = UnsafeRawPointer(bytes.baseAddress! + index + 8).loadUnaligned(as: UInt64.self) ^ spaces
            if second != 0 {
                index += 8 + UInt64(littleEndian: second).trailingZeroBitCount / 8
                return
            }
            index += 16
        }
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
    }
}

/// A String of the bytes of a plain string (`JSONFastItem.plainString`: ASCII, no escapes).
/// Most names, ports and addresses fit the small form (15 bytes): made in place there, where
/// only the ASCII check remains of the UTF-8 validation `String(decoding:as:)` does.
@inline(__always)
private func asciiString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    guard bytes.count <= 15 else { return String(decoding: bytes, as: UTF8.self) }
    return String(unsafeUninitializedCapacity: bytes.count) { room in
        _ = room.initialize(fromContentsOf: bytes)
        return bytes.count
    }
}

/// Whether two texts read by `JSONFastItem` have the same bytes.
@inline(__always)
private func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
}

/// Whether a key or value read by `JSONFastItem` is `name` (of two bytes or more).
@inline(__always)
private func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
    bytes.count == name.utf8CodeUnitCount && memcmp(bytes.baseAddress!, name.utf8Start, bytes.count) == 0
}
