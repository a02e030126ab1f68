import Foundation
import NetworkNamespaces
import TestSupport
@testable import NetnsLab

/// Paths of the shared reference data, resolved from this file (the package root is two
/// levels up from Tests/NetnsLabTests).
enum Fixtures {
    static let netpolCases = ProjectPaths.netpolCases

    static func netpolCase(_ name: String) -> String { netpolCases + "/" + name }

    static func caseNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: netpolCases)
            .filter { FileManager.default.fileExists(atPath: netpolCases + "/" + $0 + "/expected.txt") }
            .sorted()
    }

    /// A case directory written for one test; removed by the caller.
    static func temporaryCase(cluster: String, expected: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("netnslab-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try cluster.write(toFile: directory + "/cluster.yaml", atomically: true, encoding: .utf8)
        try expected.write(toFile: directory + "/expected.txt", atomically: true, encoding: .utf8)
        return directory
    }

    /// Namespaces named for this process that still exist.
    static func namespacesOfThisProcess() throws -> [String] {
        try HostCommand.check(["ip", "netns", "list"]).split(separator: "\n")
            .map { String($0.split(separator: " ")[0]) }
            .filter { $0.hasPrefix("pp\(getpid())-") }
    }
}
