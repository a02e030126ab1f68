import Foundation
import ArgumentParser
import PacketPath
import PathGraph

/// `packetpath graph`: one Service's packet path as a picture.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw one Service's packet path: entry points, chains, endpoints with their probabilities.",
        discussion: """
            The path is traced through the compiled rules from a pod-network client, an outside \
            client, the node itself and each load-balancer source range, to every entry point \
            (cluster IP, node port, external IPs, load-balancer IPs). Dashed edges are side trips \
            that return (marking for SNAT). svg needs Graphviz's dot.
              packetpath graph cluster.yaml --service prod/web --format svg > web.svg
            --service also takes a DNS name (web.prod, web.prod.svc.cluster.local, or web with --namespace); \
            --ingress HOST/PATH draws the route's backend as the Ingress controller's Pod reaches it.
              packetpath graph examples/shop.yaml --service catalog.shop --format mermaid
              packetpath graph examples/shop.yaml examples/shop-ingress.yaml --ingress shop.example.com/ --format mermaid
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, mermaid, svg, json
    }

    @Argument(help: ArgumentHelp("Manifest files or directories.", valueName: "file"))
    var files: [String]

    @Option(help: ArgumentHelp("The Service: namespace/name or its DNS name.", valueName: "ns/name"))
    var service: String?

    @OptionGroup var names: NameOptions

    @Option(name: [.customShort("o"), .long], help: "Output format: dot, mermaid, svg or json (the nodes and edges).")
    var format: Format = .dot

    @OptionGroup var input: InputOptions

    @Option(help: "IP family to draw when the Service has both: ipv4 or ipv6.")
    var family: FamilySelection?

    func run() throws {
        let text = try CLIInput.run { () -> String in
            guard family != .both else { throw SideError("--family: draw one family at a time") }
            let side = try CLIInput.loadSide(SideLoader(liveReader: nil, options: input.loadOptions()), .paths(files), input)
            let graph: PathGraph
            if let ingress = names.ingress {
                graph = try Review.ingressGraph(side, ingress, controller: names.ingressController, ingressClass: names.ingressClass,
                                                family: family?.families.first)
            } else {
                guard let service else { throw SideError("give --service (or --ingress HOST/PATH)") }
                graph = try Review.serviceGraph(side, named: service, namespace: names.namespace, clusterDomain: names.clusterDomain,
                                                family: family?.families.first)
            }
            switch format {
            case .dot: return graph.dot
            case .mermaid: return graph.mermaid
            case .svg: return try GraphvizRenderer.svg(graph.dot)
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                return String(decoding: try encoder.encode(graph), as: UTF8.self) + "\n"
            }
        }
        StandardStreams.writeOut(Array(text.utf8))
    }
}
