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
            """)

    @Argument(help: ArgumentHelp("Manifests (files or directories), an iptables-save file, or netns:NAME.", valueName: "input"))
    var inputs: [String]

    @Option(help: "Source address of the packet.")
    var src: String?

    @Option(name: .customLong("from-pod"), help: ArgumentHelp("Send from this Pod's address (namespace/name).", valueName: "ns/name"))
    var fromPod: String?

    @Option(help: "Destination address.")
    var dst: String

    @Option(help: "Transport protocol: tcp, udp or sctp.")
    var proto: L4Protocol = .tcp

    @Option(help: "Destination port.")
    var dport: UInt16

    @Option(help: "Source port.")
    var sport: UInt16 = 40000

    @Option(name: .customLong("node-address"),
            help: ArgumentHelp("The node's addresses (CIDR, repeatable) when tracing a rules file.", valueName: "cidr"))
    var nodeAddresses: [String] = []

    @Option(help: "How many outcome paths to print in full (text output).")
    var paths: Int = 10

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Option(name: .customLong("in-interface"), help: ArgumentHelp("The interface the packet arrives on (for -i matches).", valueName: "name"))
    var inInterface: String?

    @Option(name: .customLong("out-interface"), help: ArgumentHelp("The interface it leaves by (for -o matches).", valueName: "name"))
    var outInterface: String?

    @Option(name: .customLong("max-paths"), help: "Branches one trace may explore before it stops with a 'bound hit' note.")
    var maxPaths: Int = TraceLimits().maximumPaths

    func run() throws {
        let result = try CLIInput.run { () -> TraceResult in
            guard let destination = IPAddress(dst) else { throw SideError("--dst \(dst) is not an IP address") }
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
            let side = try SideLoader(liveReader: NetlinkNamespaceReader()).load(try SideInput(inputs))
            for warning in side.cluster?.warnings ?? [] { StandardStreams.writeError("warning: \(warning)") }
            var request = TraceRequest(source: source, destination: destination, proto: proto, destinationPort: dport, sourcePort: sport)
            request.inInterface = inInterface
            request.outInterface = outInterface
            return try Review.trace(side, request,
                                    nodeAddresses: addresses.isEmpty ? nil : addresses,
                                    limits: TraceLimits(maximumPaths: maxPaths))
        }
        switch output {
        case .text: StandardStreams.writeOut(Array(result.text(maximumPaths: paths).utf8))
        case .json: try StandardStreams.writeJSON(result)
        }
    }
}

extension L4Protocol: ExpressibleByArgument {}
