@testable import KubeProxyNFTables
import RuleModel
import ServiceCompiler
import Testing

/// Chain names: `prefix-HASH-base`, HASH the first 8 base32 characters of SHA-256(base).
@Suite struct ChainNameTests {
    @Test func namesCarryTheHashOfTheirReadableBase() {
        // Values from the reference dumps (nodeport-local, ipv6-clusterip-nodeport).
        let names = PortChainNames(namespace: "prod", name: "web", protocol: .tcp, port: "http")
        #expect(names.service == "service-5O3K3WW6-prod/web/tcp/http")
        #expect(names.external == "external-5O3K3WW6-prod/web/tcp/http")
        let v4 = Array("10.180.0.52:8080".utf8).withUnsafeBytes { names.endpointNames($0, affinity: true) }
        #expect(v4.chain == "endpoint-RSQB6WD7-prod/web/tcp/http__10.180.0.52/8080")
        #expect(v4.affinitySet == "affinity-RSQB6WD7-prod/web/tcp/http__10.180.0.52/8080")
        let v6Names = PortChainNames(namespace: "prod", name: "web6", protocol: .tcp, port: "http")
        let v6 = Array("[fd00:10::5]:8080".utf8).withUnsafeBytes { v6Names.endpointNames($0, affinity: false) }
        #expect(v6.chain == "endpoint-GXW3G6QJ-prod/web6/tcp/http__fd00.10..5/8080")
        #expect(v6.affinitySet == nil)
    }

    /// The nft names' hash agrees with the iptables names' (`ChainHash`, itself checked
    /// against Swift Crypto's SHA-256 in ChainHashTests), on both sides of every padding boundary.
    @Test func hashAgreesWithTheIPTablesNames() {
        for length in [0, 1, 12, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200, 231] {
            let base = String((0..<length).map { Character(Unicode.Scalar(UInt8(97 + $0 % 26))) })
            let tail = Array(base.utf8).withUnsafeBufferPointer { PortChainNames.hashedBase($0) }
            let hash = String(PortChainNames.name("", tail).description.prefix(8))
            #expect(hash == String(ChainHash.suffix(of: base).prefix(8)), "base of \(length) bytes")
        }
    }

    @Test func overlongBasesAreCutAndMarked() {
        let base = [UInt8](repeating: UInt8(ascii: "a"), count: 300)
        let tail = base.withUnsafeBufferPointer { PortChainNames.hashedBase($0) }
        let name = PortChainNames.name("endpoint-", tail).description
        #expect(tail.count == PortChainNames.maximumBaseLength)
        #expect(name.hasSuffix("aaa..."))
        #expect(name.utf8.count == "endpoint-".utf8.count + 240)
        let short = [UInt8]("ns/svc/tcp/p".utf8).withUnsafeBufferPointer { PortChainNames.hashedBase($0) }
        #expect(short.count == 9 + 12)
    }
}
