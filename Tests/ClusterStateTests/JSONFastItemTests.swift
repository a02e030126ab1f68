import Testing
import NetworkAddresses
@testable import ClusterState

/// `JSONFastItem` decodes the common Service and EndpointSlice items straight from the bytes
/// and leaves everything else to the tree. Over generated Lists — typical items, unusual and
/// wrong values, other kinds, keys in any order — and over random mutations of them, item mode
/// must decode exactly as it does without the fast path: the same objects, locations, warnings
/// and first error, wherever the second thread starts.
@Suite struct JSONFastItemTests {
    /// SplitMix64: the same inputs on every run.
    struct Random {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ count: Int) -> Int { Int(next() % UInt64(count)) }

        mutating func percent(_ chance: Int) -> Bool { below(100) < chance }

        /// Any value of `pool`, each as likely.
        mutating func any(_ pool: [String]) -> String { pool[below(pool.count)] }

        /// Mostly the first (typical) value of `pool`, else any of them.
        mutating func pick(_ pool: [String]) -> String { percent(75) ? pool[0] : pool[below(pool.count)] }
    }

    /// Address texts (JSON) at the edges of what the parsers accept: leading zeros, IPv4-mapped,
    /// unspecified, loopback, zone ids, too many groups or digits, escapes, non-ASCII, spaces.
    static let oddAddresses = [
        #""10.01.0.1""#, #""010.0.0.1""#, #""10.0.0.0""#, #""0.0.0.0""#, #""10.0.0.1.2""#, #""10.0.0""#, #""10.0.0.256""#,
        #""::ffff:10.0.0.1""#, #""::ffff:a00:1""#, #""::""#, #""::1""#, #""fd00::1%eth0""#, #""fe80::1%25eth0""#,
        #""1:2:3:4:5:6:7:8:9""#, #""fd00::12345""#, #""fd00::00001""#, #""1::2::3""#, #""fd00:0:0:0:0:0:10.0.0.1""#,
        #""FD00::A""#, #""10.0.0.\u0031""#, #""１0.0.0.1""#, #"" 10.0.0.1""#, #""10.0.0.1 ""#, #""""#, #""None""#, "null", "10",
    ]

    /// An object of the fields that are not nil, in order or shuffled.
    private static func object(_ fields: [(String, String?)], _ random: inout Random) -> String {
        var present = fields.compactMap { field in field.1.map { "\"\(field.0)\": \($0)" } }
        if random.percent(30) {
            for index in present.indices.reversed() { present.swapAt(index, random.below(index + 1)) }
        }
        let separator = random.percent(50) ? ", " : ",\n        "
        return "{" + present.joined(separator: separator) + "}"
    }

    private static func service(_ index: Int, _ random: inout Random) -> String {
        let ip = "\"10.96.\(index / 250).\(index % 250 + 1)\""
        let metadata = object([
            ("name", random.pick(["\"svc-\(index)\"", "\"Svc\"", "\"1svc\"", "\"\"", "null", "80", #""s\u0061""#, "\"é\""])),
            ("namespace", random.pick(["\"ns\"", "\"ns2\"", "\"\"", "\"NS\"", "null"])),
            ("labels", random.percent(50) ? random.pick([#"{"app": "a"}"#, #"{"-a": "x"}"#, #"{"a": 1}"#, #"{"a": "x", "a": "y"}"#, "{}", "null"]) : nil),
            ("annotations", random.percent(20) ? random.pick([#"{"note": "x y"}"#, #"{"n": true}"#, #"{"n": "\"q\""}"#]) : nil),
            ("uid", random.percent(30) ? "\"0b5c-11\"" : nil), ("generation", random.percent(20) ? random.pick(["3", "1.5e3", "-0"]) : nil),
            ("creationTimestamp", random.percent(20) ? "null" : nil), ("managedFields", random.percent(5) ? "[]" : nil),
        ], &random)
        let ports = (0..<(1 + random.below(3))).map { port in
            object([
                ("name", random.percent(80) ? random.pick(["\"p\(port)\"", "\"\"", "\"HTTP\"", "\"http\""]) : nil),
                ("port", random.pick(["\(80 + port)", "0", "70000", "\"80\"", "8.5", "1e2", "80"])),
                ("protocol", random.percent(60) ? random.pick(["\"TCP\"", "\"UDP\"", "\"SCTP\"", "\"tcp\"", "null"]) : nil),
                ("targetPort", random.percent(70) ? random.pick(["8080", "0", "\"\"", "\"http\"", "\"8080\"", "\"Bad\"", "70000"]) : nil),
                ("nodePort", random.percent(20) ? random.pick(["30080", "0", "70000"]) : nil),
                ("appProtocol", random.percent(10) ? "\"http\"" : nil),
            ], &random)
        }
        let spec = object([
            ("type", random.percent(60) ? random.pick(["\"ClusterIP\"", "\"NodePort\"", "\"LoadBalancer\"", "\"ExternalName\"", "\"Other\""]) : nil),
            ("clusterIP", random.percent(80) ? random.pick([ip, "\"None\"", "\"\"", "\"10.0.0.256\"", "\"127.0.0.1\"", "\"fd00::1\""]
                                                              + Self.oddAddresses) : nil),
            ("clusterIPs", random.percent(50) ? random.pick(["[\(ip)]", "[\(ip), \"fd00::\(index % 9999 + 1)\"]", "[\"10.1.1.1\"]", "[\(ip), \"10.9.9.9\"]", "[]",
                                                            "[\"None\", \"x\", \"y\"]", "[\"\", \"x\", \"y\"]", "[\(ip), \"fd00::1\", \"10.2.2.2\"]",
                                                            "[\(random.any(Self.oddAddresses))]", "[\(ip), \(random.any(Self.oddAddresses))]"]) : nil),
            ("ipFamilies", random.percent(30) ? random.pick([#"["IPv4"]"#, #"["IPv6"]"#, #"["IPv4", "IPv6"]"#, #"["ipv4"]"#]) : nil),
            ("ipFamilyPolicy", random.percent(30) ? "\"SingleStack\"" : nil),
            ("ports", random.percent(90) ? "[" + ports.joined(separator: ", ") + "]" : nil),
            ("selector", random.percent(70) ? random.pick([#"{"app": "a\#(index)"}"#, "{}", "null", #"{"app": "a b"}"#]) : nil),
            ("externalIPs", random.percent(10) ? random.pick([#"["1.2.3.4"]"#, #"["bad"]"#, "[\(random.any(Self.oddAddresses))]"]) : nil),
            ("externalTrafficPolicy", random.percent(20) ? random.pick(["\"Cluster\"", "\"Local\"", "\"Other\""]) : nil),
            ("internalTrafficPolicy", random.percent(20) ? random.pick(["\"Cluster\"", "\"Local\""]) : nil),
            ("healthCheckNodePort", random.percent(10) ? random.pick(["30000", "-1"]) : nil),
            ("sessionAffinity", random.percent(30) ? random.pick(["\"None\"", "\"ClientIP\""]) : nil),
            ("sessionAffinityConfig", random.percent(5) ? #"{"clientIP": {"timeoutSeconds": 60}}"# : nil),
            ("trafficDistribution", random.percent(10) ? "\"PreferClose\"" : nil),
            ("externalName", random.percent(5) ? "\"x.example\"" : nil),
            ("loadBalancerSourceRanges", random.percent(5) ? #"[" 10.0.0.0/8 "]"# : nil),
            ("allocateLoadBalancerNodePorts", random.percent(10) ? "true" : nil),
        ], &random)
        return object([
            ("apiVersion", random.pick(["\"v1\"", "\"v2\"", "1"])), ("kind", random.percent(97) ? "\"Service\"" : nil),
            ("metadata", random.percent(97) ? metadata : nil), ("spec", random.percent(95) ? spec : random.pick(["null", "{}"])),
            ("status", random.percent(40) ? random.pick([#"{"loadBalancer": {}}"#, #"{"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}"#, #"{"conditions": []}"#]) : nil),
            ("extra", random.percent(5) ? random.pick(["1.5e3", "[1]", "\"x\""]) : nil),
        ], &random)
    }

    private static func slice(_ index: Int, _ random: inout Random) -> String {
        let labels = random.pick([#"{"kubernetes.io/service-name": "svc-\#(index)"}"#, "{}", #"{"kubernetes.io/service-name": ""}"#,
                                  #"{"kubernetes.io/service-name": "svc", "app": "x"}"#])
        let metadata = object([
            ("name", random.pick(["\"svc-\(index)-abc\"", "\"a.b\"", "\"A\"", "\"\""])), ("namespace", random.percent(90) ? "\"ns\"" : nil),
            ("labels", random.percent(95) ? labels : nil), ("resourceVersion", random.percent(30) ? "\"42\"" : nil),
        ], &random)
        let endpoints = (0..<random.below(5)).map { endpoint in
            let address = "\"10.1.\(index % 250).\(endpoint + 1)\""
            return object([
                ("addresses", random.pick(["[\(address)]", "[\(address), \"10.2.0.1\"]", "[]", "[\"fd00::1\"]", "[\"bad\"]", "null",
                                           "[\(random.any(Self.oddAddresses))]", "[\(address), \(random.any(Self.oddAddresses))]"])),
                ("conditions", random.percent(80) ? random.pick([#"{"ready": true}"#, #"{"ready": false, "serving": true, "terminating": false}"#,
                                                                 #"{"ready": null}"#, #"{"ready": "yes"}"#]) : nil),
                ("nodeName", random.percent(70) ? random.pick(["\"node\(endpoint)\"", "1"]) : nil),
                ("zone", random.percent(20) ? "\"z1\"" : nil),
                ("targetRef", random.percent(30) ? random.pick([#"{"kind": "Pod", "name": "p", "namespace": "ns", "uid": "u"}"#,
                                                                #"{"kind": "Node", "name": "n"}"#, #"{"kind": "Pod", "name": "p"}"#, #"{"kind": "Pod"}"#]) : nil),
                ("hints", random.percent(5) ? #"{"forZones": [{"name": "z1"}]}"# : nil),
            ], &random)
        }
        return object([
            ("addressType", random.percent(97) ? random.pick(["\"IPv4\"", "\"IPv6\"", "\"FQDN\"", "\"ipv4\""]) : nil),
            ("apiVersion", random.pick(["\"discovery.k8s.io/v1\"", "\"discovery.k8s.io/v1beta1\""])),
            ("endpoints", random.percent(95) ? "[" + endpoints.joined(separator: ", ") + "]" : random.pick(["null", "[]"])),
            ("kind", "\"EndpointSlice\""), ("metadata", metadata),
            ("ports", random.percent(90) ? random.pick([#"[{"name": "http", "port": 8080, "protocol": "TCP"}]"#, #"[{"port": 80}]"#,
                                                        #"[{"name": "Bad"}]"#, #"[{"port": -1}]"#, "[]"]) : nil),
        ], &random)
    }

    /// A List of `count` items (mostly Services and EndpointSlices), `kind` before or after them.
    private static func list(_ count: Int, _ random: inout Random) -> String {
        let items = (0..<count).map { index -> String in
            switch random.below(20) {
            case 0: return #"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n\#(index)"}}"#
            case 1: return "null"
            case 2..<10: return service(index, &random)
            default: return slice(index, &random)
            }
        }
        let body = "\"items\": [\n    " + items.joined(separator: ",\n    ") + "\n]"
        return random.percent(50) ? "{\(body), \"kind\": \"List\", \"apiVersion\": \"v1\"}\n" : "{\"apiVersion\": \"v1\", \"kind\": \"List\", \(body)}\n"
    }

    /// One byte deleted, doubled or replaced by one that matters to JSON, `count` times.
    private static func mutate(_ text: String, _ count: Int, _ random: inout Random) -> String {
        var bytes = Array(text.utf8)
        let replacements = Array(#"{}[],:" \-0.e1tnx"#.utf8)
        for _ in 0..<count where !bytes.isEmpty {
            let position = random.below(bytes.count)
            switch random.below(3) {
            case 0: bytes.remove(at: position)
            case 1: bytes.insert(bytes[position], at: position)
            default: bytes[position] = replacements[random.below(replacements.count)]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func same(_ a: DecodedObject, _ b: DecodedObject) -> Bool {
        switch (a, b) {
        case (.service(let x), .service(let y)): return x == y
        case (.endpointSlice(let x), .endpointSlice(let y)): return x == y
        case (.namespace(let x), .namespace(let y)): return x == y
        default: return "\(a)" == "\(b)"
        }
    }

    /// Item mode with and without the fast path: the same objects, warnings and error (or the
    /// same thrown error).
    private static func agree(_ text: String, split: JSONStream.Split) -> Bool {
        let decode = { (fast: Bool) in Result { try JSONItemDecoding.decode(text, file: "list.json", split: split, fastItems: fast) } }
        switch (decode(true), decode(false)) {
        case (.success(let fast), .success(let general)):
            return fast.items.count == general.items.count
                && zip(fast.items, general.items).allSatisfy { $0.id == $1.id && $0.location == $1.location && same($0.object, $1.object) }
                && fast.warnings.map(\.description) == general.warnings.map(\.description)
                && fast.documentCount == general.documentCount && fast.error == general.error && fast.needsTree == general.needsTree
        case (.failure(let fast), .failure(let general)):
            return "\(fast)" == "\(general)"
        default:
            return false
        }
    }

    /// How many of a List's items the fast path reads itself, and how many it gives up on.
    private static func fastPathShare(_ text: String) -> (read: Int, gaveUp: Int) {
        var text = text
        return text.withUTF8 { bytes in
            guard let documents = try? JSONStream.read(utf8: bytes, file: "list.json", split: .none, itemDecoder: nil) else { return (0, 0) }
            var read = 0, gaveUp = 0
            documents.tree.withView { view in
                let root = YAMLMapping(tree: view, index: documents.roots[0])
                for item in root["items"]?.items ?? [] where item.kind == .mapping {
                    let start = view.nodes[item.index]
                    // The item's `{`: its line and column, columns counting bytes (ASCII input).
                    var lineStart = 0, line = 1
                    while line < Int(start.line) { lineStart = bytes[lineStart...].firstIndex(of: 0x0A)! + 1; line += 1 }
                    var reader = JSONFastItem(bytes: bytes, index: lineStart + Int(start.column) - 1, line: line, lineStart: lineStart)
                    if (try? reader.item(file: "list.json", document: 1)) != nil { read += 1 } else { gaveUp += 1 }
                }
            }
            return (read, gaveUp)
        }
    }

    @Test func generatedListsDecodeAsWithoutTheFastPath() {
        var random = Random(state: 12)
        var read = 0, gaveUp = 0
        for round in 0..<150 {
            let text = Self.list(1 + random.below(12), &random)
            let share = Self.fastPathShare(text)
            read += share.read
            gaveUp += share.gaveUp
            #expect(Self.agree(text, split: .none), "round \(round):\n\(text)")
            #expect(Self.agree(text, split: .near(random.below(text.utf8.count))), "round \(round), split:\n\(text)")
        }
        // Both ways were taken, many times.
        #expect(read >= 100 && gaveUp >= 100, "read \(read), gave up \(gaveUp)")
    }

    @Test func mutatedListsDecodeAsWithoutTheFastPath() {
        var random = Random(state: 34)
        for round in 0..<600 {
            let text = Self.mutate(Self.list(1 + random.below(6), &random), 1 + random.below(3), &random)
            #expect(Self.agree(text, split: .none), "round \(round):\n\(text)")
            if round % 4 == 0 {
                #expect(Self.agree(text, split: .near(random.below(text.utf8.count))), "round \(round), split:\n\(text)")
            }
        }
    }

    /// Items as `kubectl get -o json` prints them (and as the benchmark's List holds them) are
    /// read by the fast path itself, to the same objects.
    @Test func kubectlShapedItemsAreReadByTheFastPath() throws {
        let items = [
            """
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"creationTimestamp": "2024-01-01T00:00:00Z", "labels": {"app": "web"}, "name": "web",
                             "namespace": "shop", "resourceVersion": "123", "uid": "5f1c"},
                "spec": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "internalTrafficPolicy": "Cluster",
                         "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                         "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080},
                                   {"name": "https", "port": 443, "protocol": "TCP", "targetPort": "https"}],
                         "selector": {"app": "web"}, "sessionAffinity": "None", "type": "ClusterIP"},
                "status": {"loadBalancer": {}}
            }
            """,
            """
            {
                "addressType": "IPv4",
                "apiVersion": "discovery.k8s.io/v1",
                "endpoints": [{"addresses": ["10.1.0.5"], "conditions": {"ready": true, "serving": true, "terminating": false},
                               "nodeName": "node-1", "targetRef": {"kind": "Pod", "name": "web-1", "namespace": "shop", "uid": "9a"},
                               "zone": "z1"}],
                "kind": "EndpointSlice",
                "metadata": {"generation": 1, "labels": {"kubernetes.io/service-name": "web"}, "name": "web-x7k2p", "namespace": "shop"},
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]
            }
            """,
        ]
        for item in items {
            let text = "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\(item)]}"
            #expect(Self.fastPathShare(text) == (1, 0))
            #expect(Self.agree(text, split: .none))
            let chunk = try JSONItemDecoding.decode(text, file: "list.json", split: .none)
            #expect(chunk.items.count == 1 && chunk.error == nil && chunk.items[0].location.line == 1)
        }
    }
}
