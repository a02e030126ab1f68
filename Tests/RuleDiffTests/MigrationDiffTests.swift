import Foundation
import NetworkNamespaces
import PacketPath
import RuleDiff
import TestSupport
import Testing

/// `packetpath diff` between kube-proxy's iptables mode and its nftables mode: the live dumps
/// of each reference case behave the same, and a removed endpoint is named.
@Suite struct MigrationDiffTests {
    static func side(_ path: String) throws -> LoadedSide {
        try SideLoader(liveReader: nil).load(.paths([path]))
    }

    static func migration(_ a: LoadedSide, _ b: LoadedSide) throws -> MigrationReport {
        guard case .migration(let report) = Review.compare(a, b) else {
            Issue.record("not a migration diff")
            throw CancellationError()
        }
        return report
    }

    /// Every Service port behaves the same through both dumps, except for one class the
    /// reference output itself has: traffic the node sends to an external or load-balancer IP
    /// that nftables mode drops or rejects in filter-output (no usable endpoints, source
    /// ranges) where iptables mode, which checks only arriving traffic, lets it through.
    @Test(arguments: SharedCases.names)
    func iptablesAndNFTablesDumpsOfACaseBehaveTheSame(name: String) throws {
        let iptables = try Self.side(SharedCases.path(name, "live-iptables-save.txt"))
        let nftables = try Self.side(SharedCases.path(name, "live-nft-list.txt"))
        #expect(iptables.rulesBackend == .iptables)
        #expect(nftables.rulesBackend == .nftables)
        let report = try Self.migration(iptables, nftables)
        for difference in report.servicePorts.flatMap(\.realDifferences) {
            let nodeToExternal = difference.probe.hasPrefix("from the node ") && !difference.entryPoint.hasPrefix("ClusterIP")
                && !difference.entryPoint.hasPrefix("NodePort")
            let nftablesStops = difference.b.allSatisfy { $0.hasSuffix(", dropped") || $0.hasSuffix(", rejected") }
            #expect(nodeToExternal && nftablesStops && !difference.a.isEmpty, "\(difference)")
        }
        #expect(report.byDesignNotes.count <= 1)
        // The other way round, the same Service ports differ.
        #expect(try Self.migration(nftables, iptables).differingServicePorts == report.differingServicePorts)
        // Something was compared wherever a Service has an address.
        let services = try SharedCases.text(name, "live-nft-list.txt").contains("goto service-")
        if services { #expect(report.comparedEntryPoints > 0 && report.comparedProbes > report.comparedEntryPoints) }
    }

    /// Differences by design are reported, but not counted.
    @Test func nodePortsOnOtherLocalAddressesAndLocalhostAreNamedByDesign() throws {
        let report = try Self.migration(try Self.side(SharedCases.path("nodeport-cluster", "live-iptables-save.txt")),
                                        try Self.side(SharedCases.path("nodeport-cluster", "live-nft-list.txt")))
        let reasons = Set(report.servicePorts.flatMap(\.differences).compactMap(\.byDesign))
        #expect(reasons == [MigrationByDesign.nodePortAddresses, MigrationByDesign.localhostNodePorts])
        #expect(report.byDesignNotes.contains { $0.contains(MigrationByDesign.conntrackInvalid) })
        #expect(report.isEmpty)
    }

    /// One endpoint gone from the nftables side: the Service is named, its remaining endpoint
    /// now takes every connection.
    @Test func aRemovedEndpointIsADifferenceOfItsService() throws {
        let listing = try SharedCases.text("clusterip-2-endpoints", "live-nft-list.txt")
        let lines = listing.split(separator: "\n", omittingEmptySubsequences: false)
        let numgen = try #require(lines.firstIndex { $0.contains("numgen random mod 2 vmap") })
        let first = try #require(lines[numgen].range(of: ", 1 : goto"))
        var edited = lines
        edited[numgen] = Substring(lines[numgen][..<first.lowerBound].replacingOccurrences(of: "mod 2", with: "mod 1") + " }")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pp-migration-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/one-endpoint.nft"
        try edited.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)

        let iptablesPath = SharedCases.path("clusterip-2-endpoints", "live-iptables-save.txt")
        let report = try Self.migration(try Self.side(iptablesPath), try Self.side(path))
        #expect(report.differingServicePorts.count == 1)
        let service = try #require(report.differingServicePorts.first)
        #expect(listing.contains("-" + service.replacingOccurrences(of: ":", with: "/tcp/")) || listing.contains(service))
        let difference = try #require(report.servicePorts.first?.realDifferences.first)
        #expect(difference.a.filter { $0.hasPrefix("1/2 ") }.count == 2)
        #expect(difference.b.contains { $0.hasPrefix("1/1 -> ") })

        let cli = try HostCommand.run([ProjectPaths.binary, "diff", iptablesPath, path])
        #expect(cli.status == 1, "\(cli.stderr)")
        #expect(cli.stdout.contains("Service ports that behave differently: \(service)"), "\(cli.stdout)")
        let json = try HostCommand.run([ProjectPaths.binary, "diff", "-o", "json", iptablesPath, path])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["differingServicePorts"] as? [String] == [service])
        #expect(object["backendB"] as? String == "nftables")

        let same = try HostCommand.run([ProjectPaths.binary, "diff", iptablesPath,
                                        SharedCases.path("clusterip-2-endpoints", "live-nft-list.txt")])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        let bad = try HostCommand.run([ProjectPaths.binary, "diff", iptablesPath, directory + "/missing.nft"])
        #expect(bad.status == 2)
    }
}
