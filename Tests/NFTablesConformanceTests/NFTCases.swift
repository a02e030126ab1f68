import ClusterState
import Foundation
import NetworkAddresses
import PacketPath
import TestSupport

/// The shared reference cases and what the nftables backend prints for each.
enum NFTCases {
    static let names: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ProjectPaths.kubeProxyCases)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()

    static func path(_ name: String, _ file: String) -> String {
        ProjectPaths.kubeProxyCases + "/" + name + "/" + file
    }

    static func reference(_ name: String, _ file: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path(name, file))), as: UTF8.self)
    }

    /// The case's one family and our `nft -f` text for it.
    static func compiled(_ name: String) throws -> (family: IPFamily, text: String) {
        let loaded = try ManifestLoader.load(paths: [path(name, "input.yaml")])
        let families = Pipeline.defaultFamilies(for: loaded.state)
        guard families.count == 1 else { throw CaseError("\(name): expected one family, got \(families)") }
        let texts = try Pipeline.nftText(Pipeline.compileNFTables(loaded.state, families: families))
        return (families[0], texts[0].text.string)
    }

    /// The first line where two texts differ, for failure messages.
    static func firstDifference(_ actual: String, _ expected: String) -> String {
        firstLineDifference(actual, expected)
    }
}

struct CaseError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
