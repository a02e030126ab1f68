#if canImport(Glibc)
import Glibc
#endif
import NetworkAddresses
import NetworkNamespaces

/// The namespaces of one lab: a node namespace that routes between hosts, and one namespace
/// per pod or external host, wired as ../shared/netpol-cases/README.md describes.
///
/// Node side: a veth `h<index>` per host carrying `169.254.1.1/32` (scope link) and a /32
/// route to the host's address; a bridge `node0` without ports carries the node address and
/// the default route, so traffic to unknown destinations (e.g. a ClusterIP without endpoints)
/// still reaches the FORWARD hook and is discarded there or by the empty bridge. Host side:
/// `eth0` with the host address /32, a link route to 169.254.1.1 and a default route via it.
///
/// Veths are created directly inside the lab's namespaces (never in the caller's), so their
/// names only need to be unique per namespace and concurrent labs never collide. Neighbour
/// entries are static (fixed MACs on both ends): no ARP, no proxy_arp, and no neighbour queue
/// overflow when hundreds of probes start at once.
public final class LabTopology: @unchecked Sendable {
    /// Default node address: TEST-NET-1, never a pod or external address in the cases.
    public static let defaultNodeAddress = IPAddress("192.0.2.1")!
    static let gatewayAddress = "169.254.1.1"

    public let node: ScratchNamespace
    public let nodeAddress: IPAddress
    public let hosts: [LabHost]
    private let hostNamespaces: [ScratchNamespace]
    private let hostsByName: [String: LabHost]
    private var torn = false
    private let lock = ThreadLock()
    private var registration: LabCleanupRegistry.Token?

    /// Builds the namespaces and links. On failure everything already created is removed.
    public init(hosts specs: [LabHostSpec], nodeAddress: IPAddress = LabTopology.defaultNodeAddress) throws {
        var seenNames = Set<String>()
        var seenAddresses = Set<IPAddress>([nodeAddress])
        for spec in specs {
            guard spec.address.family == .ipv4 else { throw LabError("\(spec.name): the lab is IPv4-only") }
            guard seenNames.insert(spec.name).inserted else { throw LabError("duplicate host \(spec.name)") }
            guard seenAddresses.insert(spec.address).inserted else {
                throw LabError("\(spec.name): address \(spec.address) is used twice (the node has \(nodeAddress))")
            }
        }
        LabSignalCleanup.installOnce()
        ScratchNamespace.sweepLeftovers()
        self.nodeAddress = nodeAddress
        var created: [ScratchNamespace] = []
        do {
            node = try ScratchNamespace(tag: "labn")
            created.append(node)
            for _ in specs { created.append(try ScratchNamespace(tag: "labh")) }
        } catch {
            created.forEach { $0.remove() }
            throw error
        }
        hostNamespaces = Array(created.dropFirst())
        hosts = specs.enumerated().map { index, spec in
            LabHost(name: spec.name, address: spec.address, namespace: created[index + 1].namespace, index: index)
        }
        hostsByName = Dictionary(uniqueKeysWithValues: hosts.map { ($0.name, $0) })
        registration = LabCleanupRegistry.shared.register { [unowned self] in self.teardown() }
        do {
            try wire()
        } catch {
            teardown()
            throw error
        }
    }

    public func host(named name: String) -> LabHost? { hostsByName[name] }

    /// The host owning an address, if any.
    public func host(at address: IPAddress) -> LabHost? { hosts.first { $0.address == address } }

    /// Removes every namespace (idempotent; also run by the signal handlers).
    public func teardown() {
        let first = lock.withLock { () -> Bool in
            defer { torn = true }
            return !torn
        }
        guard first else { return }
        for namespace in hostNamespaces { namespace.remove() }
        node.remove()
        if let registration { LabCleanupRegistry.shared.unregister(registration) }
    }

    deinit { teardown() }

    // MARK: Wiring

    private func wire() throws {
        try node.run { try Self.configureNode() }
        try HostCommand.check(["ip", "-n", node.name, "-batch", "-"], input: Array(nodeBatch().utf8))
        for (host, namespace) in zip(hosts, hostNamespaces) {
            try namespace.run { try Self.configureHostSysctls() }
            try HostCommand.check(["ip", "-n", namespace.name, "-batch", "-"], input: Array(hostBatch(host).utf8))
        }
        try waitUntilLinksAreUp()
    }

    /// A veth whose carrier change the kernel has not processed yet (linkwatch may take up
    /// to a second under load) still drops what it is given, so probing must wait until every
    /// link reports operational state UP on both ends.
    private func waitUntilLinksAreUp(timeout: Double = 10) throws {
        let deadline = monotonicSeconds() + timeout
        var pending = Set(hosts.map(\.index))
        var hostsPending = Set(hosts.indices)
        while true {
            let listing = try HostCommand.check(["ip", "-n", node.name, "-o", "link", "show"])
            for line in listing.split(separator: "\n") where line.contains(" state UP ") {
                let fields = line.split(separator: " ")
                guard fields.count > 1 else { continue }
                let name = fields[1].split(separator: "@").first.map(String.init) ?? ""
                if name.hasPrefix("h"), let index = Int(name.dropFirst()) { pending.remove(index) }
            }
            if pending.isEmpty {
                for position in hostsPending.sorted() {
                    let state = try HostCommand.check(["ip", "-n", hostNamespaces[position].name, "-o", "link", "show", "eth0"])
                    if state.contains(" state UP ") { hostsPending.remove(position) }
                }
                if hostsPending.isEmpty { return }
            }
            guard monotonicSeconds() < deadline else {
                throw LabError("links still down after \(Int(timeout)) s: \(pending.sorted().map { "h\($0)" }) on the node, \(hostsPending.count) host end(s)")
            }
            usleep(5_000)
        }
    }

    private static func configureNode() throws {
        try Sysctl.write("net.ipv6.conf.all.disable_ipv6", "1")
        try Sysctl.write("net.ipv6.conf.default.disable_ipv6", "1")
        try Sysctl.write("net.ipv4.ip_forward", "1")
        // Replies to a pod leave through the veth they came in on, and hosts share one
        // gateway address: strict reverse-path filtering and redirects would only get in the way.
        for scope in ["all", "default"] {
            try Sysctl.write("net.ipv4.conf.\(scope).rp_filter", "0")
            try Sysctl.write("net.ipv4.conf.\(scope).send_redirects", "0")
        }
        // REJECT answers with ICMP, which the kernel rate-limits per destination (a burst of
        // about six) and globally; hundreds of parallel probes would see some refusals turn
        // into timeouts. The lab measures rules, not that limit, so it is lifted here.
        try Sysctl.write("net.ipv4.icmp_ratelimit", "0")
        try Sysctl.write("net.ipv4.icmp_msgs_per_sec", "1000000")
        try Sysctl.write("net.ipv4.icmp_msgs_burst", "1000000")
    }

    private static func configureHostSysctls() throws {
        try Sysctl.write("net.ipv6.conf.all.disable_ipv6", "1")
        try Sysctl.write("net.ipv6.conf.default.disable_ipv6", "1")
        try Sysctl.write("net.ipv4.conf.all.rp_filter", "0")
        try Sysctl.write("net.ipv4.conf.default.rp_filter", "0")
    }

    private func nodeBatch() -> String {
        var lines = [
            "link set lo up",
            "link add node0 type bridge",
            "link set node0 up",
            // Global scope: MASQUERADE picks this address (the veths' 169.254.1.1 is scope
            // link), so masqueraded traffic shows the node address to backends.
            "addr add \(nodeAddress)/32 dev node0",
            "route add default dev node0",
        ]
        for host in hosts {
            let veth = "h\(host.index)"
            lines += [
                "link add \(veth) address \(Self.mac(node: true, host.index)) type veth peer name eth0 address \(Self.mac(node: false, host.index)) netns \(host.namespace.name!)",
                "link set \(veth) up",
                "addr add \(Self.gatewayAddress)/32 dev \(veth) scope link",
                "route add \(host.address)/32 dev \(veth)",
                "neigh replace \(host.address) lladdr \(Self.mac(node: false, host.index)) dev \(veth) nud permanent",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func hostBatch(_ host: LabHost) -> String {
        [
            "link set lo up",
            "link set eth0 up",
            "addr add \(host.address)/32 dev eth0",
            "route add \(Self.gatewayAddress) dev eth0 scope link",
            "route add default via \(Self.gatewayAddress) dev eth0 src \(host.address)",
            "neigh replace \(Self.gatewayAddress) lladdr \(Self.mac(node: true, host.index)) dev eth0 nud permanent",
        ].joined(separator: "\n") + "\n"
    }

    /// Locally administered unicast MACs: `02:4e` node side, `02:48` host side, then the index.
    static func mac(node: Bool, _ index: Int) -> String {
        let bytes = [0x02, node ? 0x4e : 0x48, (index >> 24) & 0xFF, (index >> 16) & 0xFF, (index >> 8) & 0xFF, index & 0xFF]
        return bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}
