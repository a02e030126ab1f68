import Foundation
import Testing
import NetworkAddresses
import NetworkNamespaces
import PacketPath
import PacketTrace
import RuleModel
import TestSupport

/// A trace to a name is the trace to each address it resolves to, nothing more and nothing less.
@Suite struct TraceByNameTests {
    private func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private func byIP(_ side: LoadedSide, _ source: TraceRequest.Source, _ address: String, _ port: UInt16,
                      _ proto: L4Protocol = .tcp) throws -> TraceResult {
        try Review.trace(side, TraceRequest(source: source, destination: IPAddress(address)!, proto: proto, destinationPort: port))
    }

    @Test func dualStackNameEqualsBothAddresses() throws {
        let side = try Examples.side(Examples.shop)
        // web-1 has both families, so both cluster IPs are traced.
        let named = try Review.trace(side, name: "web", port: "http", source: .pod("shop/web-1"))
        #expect(named.traces.map(\.target.address.description) == ["10.96.10.10", "fd00:96::10"])
        #expect(try json(named.traces[0].result) == json(try byIP(side, .pod("shop/web-1"), "10.96.10.10", 80)))
        #expect(try json(named.traces[1].result) == json(try byIP(side, .pod("shop/web-1"), "fd00:96::10", 80)))
        #expect(named.traces[0].result.outcomes.count == 3)
    }

    @Test func everySpellingGivesTheSameTrace() throws {
        let side = try Examples.side(Examples.shop)
        let expected = try json(try byIP(side, .pod("shop/web-1"), "10.96.10.20", 80))
        for name in ["catalog", "catalog.shop", "catalog.shop.svc", "catalog.shop.svc.cluster.local"] {
            for port in ["http", "80"] {
                let named = try Review.trace(side, name: name, port: port, source: .pod("shop/web-1"))
                #expect(named.traces.count == 1)
                #expect(try json(named.traces[0].result) == expected, "\(name):\(port)")
            }
        }
    }

    @Test func addressSourceTracesItsFamilyOnly() throws {
        let side = try Examples.side(Examples.shop)
        let named = try Review.trace(side, name: "web.shop", port: "80", source: .address(IPAddress("10.244.9.9")!))
        #expect(named.traces.map(\.target.address.description) == ["10.96.10.10"])
        #expect(named.notes == ["fd00:96::10 not traced: the client has no IPv6 address"])
    }

    @Test func udpPortNameCarriesItsProtocol() throws {
        let side = try Examples.side(Examples.shop)
        let named = try Review.trace(side, name: "kube-dns.kube-system", port: "dns", source: .pod("shop/web-1"))
        #expect(try json(named.traces[0].result) == json(try byIP(side, .pod("shop/web-1"), "10.96.0.10", 53, .udp)))
        #expect(named.traces[0].result.packet.proto == .udp)
    }

    @Test func headlessTracesEachEndpoint() throws {
        let side = try Examples.side(yaml: Examples.headless)
        let named = try Review.trace(side, name: "db", port: "pg", source: .pod("prod/client"))
        #expect(named.traces.count == 2)
        for trace in named.traces {
            let direct = try byIP(side, .pod("prod/client"), trace.target.address.description, 15432)
            #expect(try json(trace.result) == json(direct))
            // No Service rule rewrites a packet to a Pod.
            #expect(trace.result.outcomes.allSatisfy { $0.dnatTarget == nil })
        }
    }

    @Test func externalNameHasNoPacketPath() throws {
        let named = try Review.trace(try Examples.side(Examples.shop), name: "payments", port: "443", source: .pod("shop/web-1"))
        #expect(named.traces.isEmpty)
        #expect(named.text().contains("alias (CNAME) -> payments.example.net"))
    }

    @Test func rulesAloneHaveNoNames() throws {
        let rules = ProjectPaths.root + "/golden/shop.rules"
        let side = try SideLoader(liveReader: nil).load(.paths([rules]))
        #expect(throws: SideError.self) {
            try Review.trace(side, name: "web.shop", port: "80", source: .address(IPAddress("10.244.9.9")!))
        }
    }

    /// The command line: `--dst NAME --dport NAME -o json` holds, per address, exactly the
    /// JSON of `--dst IP --dport N -o json`.
    @Test func commandLineByNameEqualsByAddress() throws {
        let common = ["trace", Examples.shop, "--from-pod", "shop/web-1", "--output", "json"]
        let named = try HostCommand.run([ProjectPaths.binary] + common + ["--dst", "catalog.shop.svc.cluster.local", "--dport", "http"])
        let direct = try HostCommand.run([ProjectPaths.binary] + common + ["--dst", "10.96.10.20", "--dport", "80"])
        #expect(named.status == 0, "\(named.stderr)")
        #expect(direct.status == 0, "\(direct.stderr)")
        let namedObject = try JSONSerialization.jsonObject(with: Data(named.stdout.utf8)) as? [String: Any]
        let directObject = try JSONSerialization.jsonObject(with: Data(direct.stdout.utf8)) as? NSDictionary
        let traces = try #require(namedObject?["traces"] as? [[String: Any]])
        #expect(traces.count == 1)
        #expect((traces.first?["result"] as? NSDictionary) == directObject)
        #expect((namedObject?["destination"] as? [String: Any])?["kind"] as? String == "ClusterIP")

        let bare = try HostCommand.run([ProjectPaths.binary, "trace", Examples.shop, "--src", "10.244.9.9", "--dst", "web", "--dport", "80"])
        #expect(bare.status == 2)
        #expect(bare.stderr.contains("bare Service name"))
    }

    /// `graph --service NAME` prints what `graph --service ns/name` prints; `trace --ingress
    /// --output json` carries the route and the backend's trace.
    @Test func commandLineGraphAndIngressJSON() throws {
        let byKey = try HostCommand.run([ProjectPaths.binary, "graph", Examples.shop, "--service", "shop/catalog", "--format", "mermaid"])
        let byName = try HostCommand.run([ProjectPaths.binary, "graph", Examples.shop, "--service", "catalog", "--namespace", "shop",
                                          "--format", "mermaid"])
        #expect(byKey.status == 0 && byName.status == 0, "\(byKey.stderr) \(byName.stderr)")
        #expect(byName.stdout == byKey.stdout)
        #expect(byKey.stdout.contains("10.244.1.20:8080"))

        // The same graph as JSON (`-o json`): its endpoint nodes are the ones drawn.
        let json = try HostCommand.run([ProjectPaths.binary, "graph", Examples.shop, "--service", "catalog.shop", "-o", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let graph = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let endpoints = (graph?["nodes"] as? [[String: Any]])?.filter { $0["kind"] as? String == "endpoint" }.compactMap { $0["label"] as? String }
        #expect(endpoints?.sorted() == ["10.244.1.20:8080", "10.244.2.20:8080"], "\(json.stdout.prefix(400))")
        #expect(((graph?["edges"] as? [Any])?.count ?? 0) > 0)

        let ingress = try HostCommand.run([ProjectPaths.binary, "trace", Examples.shop, Examples.shopIngress,
                                           "--ingress", "shop.example.com/catalog", "--output", "json"])
        #expect(ingress.status == 0, "\(ingress.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(ingress.stdout.utf8)) as? [String: Any]
        #expect(object?["ingress"] as? String == "shop/storefront")
        #expect(object?["controllerService"] as? String == "ingress-nginx/ingress-nginx-controller")
        let traces = (object?["backendTrace"] as? [String: Any])?["traces"] as? [[String: Any]]
        #expect(traces?.count == 1)
    }

    /// A trace by name carries the lint findings about its Service: here a targetPort no
    /// selected Pod declares, which the rules alone cannot show.
    @Test func commandLineNotesTheServicesFindings() throws {
        // broken.yaml also gives api web's cluster IP, which the loader refuses as the API
        // server would; a copy with its own address keeps only the targetPort mistake.
        let original = try String(contentsOfFile: ProjectPaths.root + "/examples/broken.yaml", encoding: .utf8)
        let ownAddress = original.replacingOccurrences(of: "metadata: {name: api, namespace: prod}\nspec:\n  clusterIP: 10.96.0.10",
                                                       with: "metadata: {name: api, namespace: prod}\nspec:\n  clusterIP: 10.96.0.11")
        try #require(ownAddress != original)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("packetpath-names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = directory.appendingPathComponent("broken.yaml").path
        try ownAddress.write(toFile: broken, atomically: true, encoding: .utf8)
        let output = try HostCommand.run([ProjectPaths.binary, "trace", broken, "--from-pod", "prod/web-1", "--dst", "api",
                                          "--dport", "http"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("note: lint: warning: Service prod/api (\(broken):12): spec.ports[0].targetPort: targetPort 8080"))
        // Findings about other objects stay out.
        #expect(!output.stdout.contains("Service prod/web ("))
    }
}
