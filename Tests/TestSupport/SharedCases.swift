import Foundation

/// The reference cases (their copies under golden/) and the bundled example, found from this
/// file's location, for the review tools' tests.
public enum SharedCases {
    public static let projectRoot: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(3)
        return components.joined(separator: "/")
    }()

    /// The kube-proxy reference cases.
    public static let directory = ProjectPaths.kubeProxyCases

    public static let names: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()

    public static func path(_ name: String, _ file: String) -> String { directory + "/" + name + "/" + file }

    public static func text(_ name: String, _ file: String) throws -> String {
        try String(contentsOfFile: path(name, file), encoding: .utf8)
    }

    /// The NetworkPolicy truth-table cases (`NNN-name/cluster.yaml` and `expected.txt`).
    public static let netpolDirectory = ProjectPaths.netpolCases

    public static let netpolNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: netpolDirectory)) ?? []
        return names.filter { $0.first?.isNumber == true }.sorted()
    }()

    /// The bundled example, with Services and NetworkPolicies.
    public static let example = projectRoot + "/examples/shop.yaml"

    /// The text of any file (an absolute path).
    public static func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }
}
