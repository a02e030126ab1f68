import Dispatch
import Testing
@testable import ClusterState

/// A List of `DocumentDecoder.parallelListItems` items or more is decoded in two halves on
/// two threads (the process's paired helper, or Dispatch's pool while the helper is busy);
/// the objects, their locations and the first error must be those of one sequential pass.
@Suite struct ListHalvesTests {
    private static let count = DocumentDecoder.parallelListItems + 1_001

    /// Each item is 7 lines; item `index` starts on line 4 + 7 * index.
    private func list(badAt: Set<Int> = []) -> String {
        "apiVersion: v1\nkind: List\nitems:\n" + (0..<Self.count).map { index in
            """
            - apiVersion: v1
              kind: Service
              metadata: {name: svc\(index), namespace: ns}
              spec:
                clusterIP: 10.96.\(index / 250).\(index % 250 + 1)
                ports:
                - port: \(badAt.contains(index) ? 99999 : 80)

            """
        }.joined()
    }

    /// The line of item `index`'s port (the error names the field's own line).
    private func portLine(_ index: Int) -> Int { 4 + index * 7 + 6 }

    private func load(_ text: String) throws -> ClusterState {
        try ManifestLoader.load(sources: [ManifestSource(name: "list.yaml", text: text)]).state
    }

    @Test func halvesDecodeInOrderWithTheirLines() throws {
        let state = try load(list())
        #expect(state.services.map(\.metadata.name) == (0..<Self.count).map { "svc\($0)" })
        let last = try #require(state.services.last?.metadata.source)
        #expect(last == SourceLocation(file: "list.yaml", document: 1, line: 4 + (Self.count - 1) * 7))
    }

    @Test func theFirstHalfsErrorWinsOverTheSecondHalfs() {
        let first = 10, second = Self.count - 10
        do {
            _ = try load(list(badAt: [first, second]))
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "list.yaml: document 1 (line \(portLine(first))): Service ns/svc\(first): spec.ports[0].port: 99999 is not a valid port (1-65535)")
        }
        do {
            _ = try load(list(badAt: [second]))
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "list.yaml: document 1 (line \(portLine(second))): Service ns/svc\(second): spec.ports[0].port: 99999 is not a valid port (1-65535)")
        }
    }

    /// Two Lists decoded at once: one takes the helper, the other finds it busy and falls back
    /// to Dispatch's pool; both finish with every object.
    @Test func listsDecodedAtOnceBothComplete() {
        let text = list()
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
        counts.initialize(repeating: -1)
        defer { counts.deallocate() }
        nonisolated(unsafe) let output = counts
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            output[part] = (try? load(text))?.services.count ?? 0
        }
        #expect(Array(counts) == [Self.count, Self.count])
    }
}
