import Foundation
import TestSupport
import Testing
import ClusterState
import PacketPath

/// Every case kube-proxy v1.30.3 was run on: our restore text must equal its, byte for byte.
@Suite struct KubeProxyConformanceTests {
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: SharedCases.directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()

    @Test func allThirtyCasesArePresent() {
        #expect(Self.cases.count == 30, "expected the 30 shared cases in \(SharedCases.directory)")
    }

    @Test(arguments: cases)
    func compiledTextEqualsKubeProxyOutput(caseName: String) throws {
        let directory = SharedCases.directory + "/" + caseName
        let loaded = try ManifestLoader.load(paths: [directory + "/input.yaml"])
        let families = Pipeline.defaultFamilies(for: loaded.state)
        #expect(families.count == 1)
        let compiled = try Pipeline.iptablesText(Pipeline.compileServices(loaded.state, families: families))
        let expected = try Data(contentsOf: URL(fileURLWithPath: directory + "/kube-proxy.iptables-save"))
        let actual = compiled[0].text.string
        let reference = String(decoding: expected, as: UTF8.self)
        #expect(actual == reference, "first difference: \(firstDifference(actual, reference))")
    }

    private func firstDifference(_ actual: String, _ expected: String) -> String {
        firstLineDifference(actual, expected, expectedLabel: "kube-proxy")
    }
}
