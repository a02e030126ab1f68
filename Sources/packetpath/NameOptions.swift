import ArgumentParser
import Lint
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

extension TraceOutput {
    /// Adds, as notes, the lint findings about the objects a name or an Ingress route led to
    /// (the Service, the Ingress): the usual reasons a name "times out" — no Pod selected, a
    /// targetPort nobody declares — which a trace through the rules alone cannot show.
    func addingFindings(from side: LoadedSide) -> TraceOutput {
        guard let state = side.cluster?.state else { return self }
        var keys: Set<String> = []
        switch self {
        case .address: return self
        case .name(let result): keys.insert("Service \(result.destination.name.key)")
        case .ingress(let result):
            if let ingress = result.ingress { keys.insert("Ingress \(ingress)") }
            if let service = result.backendTrace?.destination.name.key { keys.insert("Service \(service)") }
        }
        let notes = Linter().run(LintContext(state: state)).filter { finding in
            finding.object.map { keys.contains($0.description) } ?? false
        }.map { "lint: \($0.text)" }
        switch self {
        case .address: return self
        case .name(var result):
            result.notes += notes
            return .name(result)
        case .ingress(var result):
            result.notes += notes
            return .ingress(result)
        }
    }
}
