import ClusterState
import PacketPath
import TestSupport
import Testing

/// `ManifestLoader.decode` per file then `join` is `load` of the same sources: the watcher's
/// state is the one a one-shot apply compiles.
@Suite struct DecodedManifestTests {
    /// The example, one source per document (legacy Endpoints, settings and Services in
    /// different files, so the join has to resolve across them).
    static func sources() throws -> [ManifestSource] {
        let text = try String(contentsOfFile: ProjectPaths.root + "/examples/shop.yaml", encoding: .utf8)
        let documents = text.components(separatedBy: "\n---\n").filter { $0.contains("kind:") }
        return documents.enumerated().map { ManifestSource(name: "part-\($0.offset).yaml", text: $0.element) }
    }

    @Test func joiningDecodedFilesEqualsLoadingThem() throws {
        let sources = try Self.sources()
        #expect(sources.count > 10)
        let loaded = try ManifestLoader.load(sources: sources)
        let joined = try ManifestLoader.join(sources.map { try ManifestLoader.decode($0) })
        let families = Pipeline.defaultFamilies(for: loaded.state)
        #expect(Pipeline.defaultFamilies(for: joined.state) == families)
        let expected = try Pipeline.iptablesText(Pipeline.compile(loaded.state, families: families)).map(\.text.bytes)
        let actual = try Pipeline.iptablesText(Pipeline.compile(joined.state, families: families)).map(\.text.bytes)
        #expect(actual == expected)
        #expect(joined.warnings.map(\.description) == loaded.warnings.map(\.description))
    }

    @Test func aDuplicateAcrossFilesIsRefusedAtTheJoin() throws {
        let service = try #require(Self.sources().first { $0.text.contains("kind: Service\n") })
        let copy = ManifestSource(name: "copy.yaml", text: service.text)
        let files = try [service, copy].map { try ManifestLoader.decode($0) }
        #expect(files.allSatisfy { $0.objectCount == 1 })
        #expect(throws: ManifestError.self) { try ManifestLoader.join(files) }
    }
}
