import Foundation
import TestSupport
import Testing
import ClusterState
import NetworkNamespaces
import PacketPath

/// The bundled example compiles to exactly the committed golden output, and that output is
/// accepted by iptables-restore / ip6tables-restore in a fresh network namespace.
@Suite struct GoldenTests {
    static let example = ProjectPaths.root + "/examples/shop.yaml"
    static let golden = ProjectPaths.root + "/golden/shop.rules"

    @Test func exampleMatchesGolden() throws {
        let output = try HostCommand.run([ProjectPaths.binary, "compile", Self.example])
        #expect(output.status == 0, "\(output.stderr)")
        let expected = try String(contentsOfFile: Self.golden, encoding: .utf8)
        #expect(output.stdout == expected, "regenerate with scripts/update-golden after an intended change")
    }

    @Test(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
    func goldenLoadsWithIPTablesRestoreTest() throws {
        let text = try String(contentsOfFile: Self.golden, encoding: .utf8)
        let blocks = RestoreBlocks.split(text)
        #expect(blocks.map(\.family) == ["IPv4", "IPv6"])
        let scratch = try ScratchNamespace(tag: "gold")
        defer { scratch.remove() }
        for block in blocks {
            let tool = block.family == "IPv4" ? "iptables-restore" : "ip6tables-restore"
            let result = try scratch.exec([tool, "--test"], input: Array(block.text.utf8))
            #expect(result.status == 0, "\(tool) --test rejected the golden \(block.family) rules: \(result.stderr)")
        }
    }

    /// Our output for every shared case also loads (kube-proxy's did, so this guards the
    /// cases our own compiler adds nothing to; the golden test above covers our example).
    @Test(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
    func everySharedCaseLoadsWithRestoreTest() throws {
        let casesDirectory = ProjectPaths.kubeProxyCases
        let cases = try FileManager.default.contentsOfDirectory(atPath: casesDirectory).sorted()
        #expect(cases.count == 30)
        let scratch = try ScratchNamespace(tag: "rst")
        defer { scratch.remove() }
        for name in cases {
            let output = try HostCommand.run([ProjectPaths.binary, "compile", "\(casesDirectory)/\(name)/input.yaml"])
            #expect(output.status == 0, "\(name): \(output.stderr)")
            let state = try ManifestLoader.load(paths: ["\(casesDirectory)/\(name)/input.yaml"]).state
            let tool = Pipeline.defaultFamilies(for: state) == [.ipv6] ? "ip6tables-restore" : "iptables-restore"
            let result = try scratch.exec([tool, "--test"], input: Array(output.stdout.utf8))
            #expect(result.status == 0, "\(name): \(tool) --test: \(result.stderr)")
        }
    }
}

/// Splits `compile` output for both families at its `# IPv4 …` / `# IPv6 …` header lines.
enum RestoreBlocks {
    struct Block {
        var family: String
        var text: String
    }

    static func split(_ text: String) -> [Block] {
        var blocks: [Block] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# IPv4") || line.hasPrefix("# IPv6") {
                blocks.append(Block(family: String(line.dropFirst(2).prefix(4)), text: ""))
            } else if !blocks.isEmpty && !line.isEmpty {
                blocks[blocks.count - 1].text += line + "\n"
            }
        }
        return blocks
    }
}
