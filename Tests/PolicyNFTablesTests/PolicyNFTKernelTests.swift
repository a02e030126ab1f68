import Testing
import ClusterState
import NetworkAddresses
import NetworkNamespaces
import PacketPath

/// nft 1.0.6 and the kernel accept the policy table beyond what the shared (IPv4) cases
/// reach: both families, every port form, overlapping exceptions. Needs root; without it the
/// suite is reported as skipped, and PACKETPATH_REQUIRE_PRIVILEGED=1 makes it fail instead.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct PolicyNFTKernelTests {
    static let cluster = """
        apiVersion: v1
        kind: Pod
        metadata: {name: a, namespace: x, labels: {app: web}}
        spec: {containers: [{name: c, ports: [{name: http, containerPort: 8080}, {name: sig, containerPort: 9, protocol: SCTP}]}]}
        status: {podIPs: [{ip: 10.1.0.1}, {ip: "fd00::1"}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: b, namespace: y, labels: {app: client}}
        spec: {containers: [{name: c}]}
        status: {podIPs: [{ip: 10.2.0.1}, {ip: "fd00::2:1"}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: everything, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Ingress, Egress]
          ingress:
          - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: client}}}]
            ports: [{port: http}, {port: sig, protocol: SCTP}, {protocol: UDP}, {port: 7000, endPort: 7100}]
          - from:
            - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.1.2.0/24, 10.1.0.0/16]}
            - ipBlock: {cidr: "fd00::/16", except: ["fd00::/64", "fd00::/96"]}
          egress:
          - to: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: "::/0", except: ["fd00::2:0/112"]}}]
            ports: [{port: http}, {port: 53, protocol: UDP}]
        """

    @Test(arguments: [IPFamily.ipv4, .ipv6])
    func nftLoadsEveryConstruct(family: IPFamily) throws {
        let state = try ManifestLoader.load(sources: [ManifestSource(name: "t.yaml", text: Self.cluster)]).state
        let text = try Pipeline.nftText(Pipeline.compileNFTables(state, families: [family]))[0].text.string
        let table = family == .ipv4 ? "ip packetpath-policy" : "ip6 packetpath-policy"
        try #require(text.contains("add table \(table)"))
        let scratch = try ScratchNamespace(tag: "nftpk")
        defer { scratch.remove() }
        let check = try scratch.exec(["nft", "-f", "-"], input: Array(text.utf8))
        #expect(check.status == 0, "nft -f did not load the \(family) table: \(check.stderr)")
        // Loaded, the kernel holds the maps and sets we declared.
        let listing = try scratch.exec(["nft", "list", "table"] + table.split(separator: " ").map(String.init))
        #expect(listing.stdout.contains("map ingress-pods"))
        #expect(listing.stdout.contains("flags interval"))
    }
}
