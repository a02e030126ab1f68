import Foundation

/// The kube-proxy reference cases in ../shared, found from this file's location, for the
/// review tools' tests.
public enum SharedCases {
    public static let directory: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(3)
        return components.joined(separator: "/") + "/../shared/kube-proxy-v1.30/cases"
    }()

    public static let names: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()

    public static func path(_ name: String, _ file: String) -> String { directory + "/" + name + "/" + file }

    public static func text(_ name: String, _ file: String) throws -> String {
        try String(contentsOfFile: path(name, file), encoding: .utf8)
    }
}
