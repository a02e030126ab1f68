import Foundation
import NetworkAddresses
import Testing
@testable import NetnsLab

struct ExpectedFileTests {
    /// Every shared case parses, and its line counts and features agree with INDEX.tsv.
    @Test func sharedCasesAgreeWithTheIndex() throws {
        let index = try String(contentsOfFile: Fixtures.netpolCases + "/INDEX.tsv", encoding: .utf8)
        let rows = index.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(rows.count == 43)
        for row in rows {
            let name = String(row[0])
            let netpolCase = try NetpolCase.load(directory: Fixtures.netpolCase(name))
            let lines = netpolCase.expected.lines
            #expect(netpolCase.name == name)
            #expect(lines.count == Int(row[1]), "\(name)")
            #expect(lines.filter { $0.verdict == .allow }.count == Int(row[2]), "\(name)")
            #expect(lines.filter { $0.verdict == .deny }.count == Int(row[3]), "\(name)")
            #expect((netpolCase.expected.headers.upstream != nil) == (row[4] == "yes"), "\(name)")
            #expect(netpolCase.expected.headers.features.joined(separator: ",") == row[5], "\(name)")
            #expect(netpolCase.cluster.pods.count >= 9, "\(name)")
        }
    }

    @Test func headersOfACaseWithExternalsAndServices() throws {
        let externals = try NetpolCase.load(directory: Fixtures.netpolCase("041-ipblock-egress-except")).expected.headers
        #expect(externals.probes == [PortProtocol(80, .tcp), PortProtocol(81, .tcp), PortProtocol(80, .udp)])
        #expect(externals.externals.map(\.address) == [IPAddress("8.8.8.8")!, IPAddress("192.168.50.10")!])
        #expect(externals.description.contains("\n192.168.50.10 is not."))

        let remap = try NetpolCase.load(directory: Fixtures.netpolCase("059-service-port-remap")).expected
        let service = try #require(remap.headers.services.first)
        #expect(service.namespace == "x" && service.name == "web" && service.clusterIP == IPAddress("10.96.1.100")!)
        #expect(service.ports.map { "\($0.port)->\($0.target)" } == ["8080/TCP->serve-80-tcp", "8081/TCP->81"])
        let viaService = try #require(remap.lines.first { if case .service = $0.to { return true } else { return false } })
        #expect(viaService.section.hasPrefix("via Service x/web"))
    }

    @Test func malformedFilesAreRejectedWithTheirLine() throws {
        let headers = """
        # case: t
        # title: t
        # description: t
        # features: a
        # label-changes: none
        # probes: 80/TCP
        #

        """
        #expect(try ExpectedFile(parsing: headers + "x/a x/b 80/TCP allow\n").lines.count == 1)
        let bad: [(String, String)] = [
            (headers + "x/a  x/b 80/TCP allow\n", ":8: expected"),
            (headers + "x/a x/b 80/TCP maybe\n", ":8: verdict"),
            (headers + "x/a x/b 80/ICMP allow\n", ":8: bad PORT/PROTO"),
            (headers + "x/a x/b 0/TCP allow\n", ":8: bad PORT/PROTO"),
            (headers + "x/a ip:10.0.0.300 80/TCP allow\n", ":8: '10.0.0.300'"),
            (headers + "x/a x/b 80/TCP allow\nx/a x/b 80/TCP deny\n", ":9: x/a x/b 80/TCP appears twice"),
            (headers.replacingOccurrences(of: "# features: a\n", with: ""), "'# features:' is missing"),
            ("# title: t\n# case: t\n", ":2: header 'case' is out of order"),
        ]
        for (text, message) in bad {
            #expect {
                try ExpectedFile(parsing: text)
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }
}

struct ClusterLoadingTests {
    @Test func casesLoadThroughManifestLoaderWithTheirPolicies() throws {
        let netpolCase = try NetpolCase.load(directory: Fixtures.netpolCase("046-sctp-is-not-tcp"))
        #expect(netpolCase.cluster.networkPolicies.map(\.metadata.name).sorted() == ["allow-sctp-81", "deny-ingress"])
        #expect(netpolCase.cluster.namespaces.map(\.metadata.name).sorted() == ["x", "y", "z"])
        #expect(netpolCase.cluster.settings.clusterCIDRs.map(\.description) == ["10.244.0.0/16"])
    }
}
