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
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, mermaid, svg
    }

    @Argument(help: ArgumentHelp("Manifest files or directories.", valueName: "file"))
    var files: [String]

    @Option(help: ArgumentHelp("The Service (namespace/name).", valueName: "ns/name"))
    var service: String

    @Option(help: "Output format: dot, mermaid or svg.")
    var format: Format = .dot

    @OptionGroup var input: InputOptions

    @Option(help: "IP family to draw when the Service has both: ipv4 or ipv6.")
    var family: FamilySelection?

    func run() throws {
        let text = try CLIInput.run { () -> String in
            guard family != .both else { throw SideError("--family: draw one family at a time") }
            let side = try CLIInput.loadSide(SideLoader(liveReader: nil, options: input.loadOptions()), .paths(files), input)
            let graph = try Review.serviceGraph(side, service: service, family: family?.families.first)
            switch format {
            case .dot: return graph.dot
            case .mermaid: return graph.mermaid
            case .svg: return try GraphvizRenderer.svg(graph.dot)
            }
        }
        StandardStreams.writeOut(Array(text.utf8))
    }
}
