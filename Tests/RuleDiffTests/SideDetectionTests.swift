import Foundation
import PacketPath
import TestSupport
import Testing

/// A side's files are told apart by content: manifests, iptables-save text, nft text.
@Suite struct SideDetectionTests {
    static func load(_ paths: [String]) throws -> LoadedSide {
        try SideLoader(liveReader: nil).load(.paths(paths))
    }

    @Test func eachKindIsRecognisedByContent() throws {
        let name = "nodeport-local"
        #expect(try Self.load([SharedCases.path(name, "kube-proxy.nft")]).rulesBackend == .nftables)
        #expect(try Self.load([SharedCases.path(name, "live-nft-list.txt")]).rulesBackend == .nftables)
        #expect(try Self.load([SharedCases.path(name, "live-iptables-save.txt")]).rulesBackend == .iptables)
        let manifests = try Self.load([SharedCases.path(name, "input.yaml")])
        #expect(manifests.cluster != nil && manifests.rulesBackend == nil)
    }

    @Test func aSideIsOneKindAndOneFileAFamily() throws {
        let name = "nodeport-local"
        #expect(throws: SideError.self) {
            try Self.load([SharedCases.path(name, "input.yaml"), SharedCases.path(name, "kube-proxy.nft")])
        }
        #expect(throws: SideError.self) {
            try Self.load([SharedCases.path(name, "live-iptables-save.txt"), SharedCases.path(name, "live-nft-list.txt")])
        }
    }

    @Test func brokenNFTTextIsAParseErrorWithItsLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pp-broken-\(getpid()).nft").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "table ip kube-proxy {\n\tchain services {\n\t\tip daddr 10.0.0.300 accept\n\t}\n}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try Self.load([path])
        } throws: { error in
            let text = "\(error)"
            return text.contains("line 3") && text.contains("\"10.0.0.300\"")
        }
    }
}
