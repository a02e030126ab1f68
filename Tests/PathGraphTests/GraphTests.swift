import Testing
import TestSupport
import PacketPath
import PathGraph

@Suite struct GraphTests {
    private func graph(_ caseName: String, _ service: String) throws -> PathGraph {
        let side = try SideLoader(liveReader: nil).load(.paths([SharedCases.path(caseName, "input.yaml")]))
        return try Review.serviceGraph(side, service: service)
    }

    private func edge(_ graph: PathGraph, _ from: String, _ to: String) -> PathGraph.Edge? {
        let ids = Dictionary(graph.nodes.map { ($0.label, $0.id) }, uniquingKeysWith: { first, _ in first })
        guard let f = ids[from], let t = ids[to] else { return nil }
        return graph.edges.first { $0.from == f && $0.to == t }
    }

    @Test func threeEndpointsWithTheirShares() throws {
        let graph = try graph("session-affinity-clientip", "prod/sticky")
        let endpoints = graph.nodes.filter { $0.kind == .endpoint }.map(\.label)
        #expect(endpoints == ["10.180.0.81:8080", "10.180.1.81:8080", "10.180.2.81:8080"])
        #expect(graph.nodes.filter { $0.kind == .entry }.map(\.label) == ["ClusterIP 172.30.0.60:80/TCP (http)"])
        let svc = try #require(graph.nodes.first { $0.label.hasPrefix("KUBE-SVC-") }?.label)
        let seps = graph.edges.filter { edge in graph.nodes.first { $0.id == edge.from }?.label == svc
            && graph.nodes.first { $0.id == edge.to }?.label.hasPrefix("KUBE-SEP-") == true }
        #expect(seps.map(\.label) == ["1/3 (33.33%)", "1/3 (33.33%)", "1/3 (33.33%)"])
        // The masquerade mark is a side trip, drawn dashed, labelled by its rule, not a share.
        #expect(edge(graph, svc, "KUBE-MARK-MASQ")?.returns == true)
        #expect(edge(graph, svc, "KUBE-MARK-MASQ")?.label == "cluster IP")
        #expect(edge(graph, "KUBE-SERVICES", svc)?.label == "cluster IP")
    }

    @Test func allEntryPointsOfALoadBalancer() throws {
        // ns5/svc5: cluster IP, NodePort, LB IP with source ranges.
        let graph = try graph("upstream-overall-scenario", "ns5/svc5")
        #expect(graph.nodes.filter { $0.kind == .entry }.map(\.label) == [
            "ClusterIP 172.30.0.45:80/TCP (p80)", "NodePort 192.168.0.2:3002/TCP (p80)", "LoadBalancer 5.6.7.8:80/TCP (p80)",
        ])
        #expect(graph.nodes.contains { $0.label.hasPrefix("KUBE-FW-") })
        // Clients outside the source range are dropped by the firewall.
        #expect(graph.nodes.contains { $0.kind == .verdict && $0.label == "DROP\nfilter KUBE-PROXY-FIREWALL" })
        #expect(graph.nodes.filter { $0.kind == .endpoint }.map(\.label) == ["10.180.0.3:80"])
    }

    @Test func noEndpointsRejects() throws {
        let graph = try graph("clusterip-0-endpoints", "prod/web")
        #expect(graph.nodes.contains { $0.kind == .verdict && $0.label == "REJECT\nfilter KUBE-SERVICES" })
        #expect(!graph.nodes.contains { $0.kind == .endpoint })
    }

    @Test func mermaidAndDotText() throws {
        let graph = try graph("clusterip-2-endpoints", "prod/api")
        #expect(graph.mermaid.hasPrefix("---\ntitle: Service prod/api\n---\nflowchart LR\n"))
        #expect(graph.mermaid.contains("-->|\"1/2 (50.00%)\"|"))
        #expect(graph.dot.hasPrefix("digraph \"Service prod/api\" {"))
        #expect(graph.dot.contains("[label=\"1/2 (50.00%)\"]"))
    }

    /// Graphviz itself reads the DOT we write.
    @Test func graphvizRendersTheDot() throws {
        let graph = try graph("upstream-overall-scenario", "ns2/svc2")
        let svg = try GraphvizRenderer.svg(graph.dot)
        #expect(svg.contains("<svg"))
        #expect(svg.contains("10.180.0.2:80"))
        #expect(svg.contains("LoadBalancer 1.2.3.4:80/TCP"))
    }
}
