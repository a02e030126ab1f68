import ArgumentParser
import NetworkAddresses
import PacketPath
import PacketTrace
import RuleModel

/// `packetpath trace`: every way one packet can go through the node's rules.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Follow a packet through the compiled rules: each chain, each matching rule, every branch with its probability.",
        discussion: """
            The inputs are manifests (compiled on the fly), an iptables-save file, or netns:NAME \
            (a namespace's filter and nat tables, read over netlink). \
            The first packet of a new connection is walked through nat PREROUTING (or OUTPUT when \
            the source is a node address), filter INPUT/FORWARD/OUTPUT and nat POSTROUTING. \
            Statistic rules branch the walk; each outcome shows its exact probability.
              packetpath trace cluster.yaml --src 10.0.0.5 --dst 172.30.0.20 --proto tcp --dport 80
              packetpath trace cluster.yaml --from-pod prod/client --dst 172.30.0.20 --dport 80
            --dst also takes a Service's DNS name (web, web.shop, web.shop.svc, web.shop.svc.cluster.local; a bare \
            name is completed with --from-pod's namespace) and --dport a port name; every address the name resolves \
            to is traced (both families of a dual-stack Service, each ready endpoint of a headless one). \
            --ingress HOST/PATH routes a request through the Ingresses to its backend Service and traces from the \
            Ingress controller's Pod.
              packetpath trace examples/shop.yaml --from-pod shop/web-1 --dst catalog --dport http
              packetpath trace examples/shop.yaml examples/shop-ingress.yaml --ingress shop.example.com/catalog/items
            """)

    @Argument(help: ArgumentHelp("Manifests (files or directories), an iptables-save file, or netns:NAME.", valueName: "input"))
    var inputs: [String]

    @Option(help: "Source address of the packet.")
    var src: String?

    @Option(name: .customLong("from-pod"), help: ArgumentHelp("Send from this Pod's address (namespace/name).", valueName: "ns/name"))
    var fromPod: String?

    @Option(help: "Destination address, or a Service's DNS name.")
    var dst: String?

    @Option(help: "Transport protocol: tcp, udp or sctp (default tcp, or the named Service port's).")
    var proto: L4Protocol?

    @Option(help: "Destination port (a number, or a Service port's name when --dst is a name).")
    var dport: String?

    @Option(help: "Source port.")
    var sport: UInt16 = 40000

    @Option(name: .customLong("node-address"),
            help: ArgumentHelp("The node's addresses (CIDR, repeatable) when tracing a rules file.", valueName: "cidr"))
    var nodeAddresses: [String] = []

    @Option(help: "How many outcome paths to print in full (text output).")
    var paths: Int = 10

    @Option(name: [.short, .long], help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Option(name: .customLong("in-interface"), help: ArgumentHelp("The interface the packet arrives on (for -i matches).", valueName: "name"))
    var inInterface: String?

    @Option(name: .customLong("out-interface"), help: ArgumentHelp("The interface it leaves by (for -o matches).", valueName: "name"))
    var outInterface: String?

    @Option(name: .customLong("max-paths"), help: "Branches one trace may explore before it stops with a 'bound hit' note.")
    var maxPaths: Int = TraceLimits().maximumPaths

    @OptionGroup var names: NameOptions
    @OptionGroup var input: InputOptions

    func run() throws {
        let result = try CLIInput.run { () -> TraceOutput in
            if let ingress = names.ingress {
                guard src == nil, fromPod == nil, dst == nil, dport == nil else {
                    throw SideError("--ingress traces from the Ingress controller's Pod: leave out --src, --from-pod, --dst and --dport")
                }
                let side = try CLIInput.loadSide(SideLoader(liveReader: nil, options: input.loadOptions()), .paths(inputs), input)
                return TraceOutput.ingress(try Review.traceIngress(side, ingress, controller: names.ingressController,
                                                                   ingressClass: names.ingressClass, clusterDomain: names.clusterDomain))
                    .addingFindings(from: side)
            }
            guard let dst, let dport else { throw SideError("give --dst and --dport (or --ingress HOST/PATH)") }
            let source: TraceRequest.Source
            switch (src, fromPod) {
            case (let address?, nil):
                guard let parsed = IPAddress(address) else { throw SideError("--src \(address) is not an IP address") }
                source = .address(parsed)
            case (nil, let pod?):
                source = .pod(pod)
            default:
                throw SideError("give exactly one of --src and --from-pod")
            }
            let addresses = try nodeAddresses.map { text -> IPPrefix in
                guard let prefix = IPPrefix(text) ?? IPAddress(text).map({ IPPrefix(host: $0) }) else {
                    throw SideError("--node-address \(text) is not an address or CIDR")
                }
                return prefix
            }
            let side = try CLIInput.loadSide(SideLoader(liveReader: NetlinkNamespaceReader(), options: input.loadOptions()),
                                             try SideInput(inputs), input)
            let limits = TraceLimits(maximumPaths: maxPaths)
            guard let destination = IPAddress(dst) else {
                return TraceOutput.name(try Review.trace(side, name: dst, port: dport, source: source, proto: proto, sourcePort: sport,
                                                         namespace: names.namespace, clusterDomain: names.clusterDomain,
                                                         nodeAddresses: addresses.isEmpty ? nil : addresses,
                                                         interfaces: (inInterface, outInterface), limits: limits))
                    .addingFindings(from: side)
            }
            guard let port = UInt16(dport) else { throw SideError("--dport \(dport) is not a port number (names need --dst NAME)") }
            var request = TraceRequest(source: source, destination: destination, proto: proto ?? .tcp,
                                       destinationPort: port, sourcePort: sport)
            request.inInterface = inInterface
            request.outInterface = outInterface
            return .address(try Review.trace(side, request, nodeAddresses: addresses.isEmpty ? nil : addresses, limits: limits))
        }
        try result.write(output, maximumPaths: paths)
    }
}

extension L4Protocol: ExpressibleByArgument {}
