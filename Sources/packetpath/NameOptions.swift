import ArgumentParser
import PacketPath
import PacketTrace
import ServiceNames

/// The flags `trace` and `graph` share for Service names and Ingress routes.
struct NameOptions: ParsableArguments {
    @Option(name: .customLong("cluster-domain"), help: "The cluster's DNS domain, for names like web.shop.svc.cluster.local.")
    var clusterDomain: String = ServiceDNSName.defaultClusterDomain

    @Option(help: ArgumentHelp("Namespace for a bare Service name when no --from-pod gives one.", valueName: "ns"))
    var namespace: String?

    @Option(help: ArgumentHelp("Follow a request for HOST/PATH through the Ingress rules instead (e.g. app.example.com/v1).",
                               valueName: "host/path"))
    var ingress: String?

    @Option(name: .customLong("ingress-controller"),
            help: ArgumentHelp("The Ingress controller's Service, when the IngressClass heuristic does not find it.", valueName: "ns/name"))
    var ingressController: String?

    @Option(name: .customLong("ingress-class"), help: ArgumentHelp("Route only through the Ingresses of this IngressClass.", valueName: "name"))
    var ingressClass: String?
}

/// What `trace` prints: a trace to an address, to a Service name, or of an Ingress route.
enum TraceOutput {
    case address(TraceResult)
    case name(NameTraceResult)
    case ingress(IngressTraceResult)

    func write(_ format: OutputFormat, maximumPaths: Int) throws {
        switch (self, format) {
        case (.address(let result), .text): StandardStreams.writeOut(Array(result.text(maximumPaths: maximumPaths).utf8))
        case (.name(let result), .text): StandardStreams.writeOut(Array(result.text(maximumPaths: maximumPaths).utf8))
        case (.ingress(let result), .text): StandardStreams.writeOut(Array(result.text(maximumPaths: maximumPaths).utf8))
        case (.address(let result), .json): try StandardStreams.writeJSON(result)
        case (.name(let result), .json): try StandardStreams.writeJSON(result)
        case (.ingress(let result), .json): try StandardStreams.writeJSON(result)
        }
    }
}
