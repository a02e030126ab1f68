@testable import ClusterState

/// The input files under Fixtures/, found from this file's location.
enum FixtureFiles {
    static let directory: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast()
        return components.joined(separator: "/") + "/Fixtures"
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func load(_ names: String..., options: LoadOptions = LoadOptions()) throws -> LoadedCluster {
        try ManifestLoader.load(paths: names.map(path), options: options)
    }

    /// The message a fixture is refused with, file names shortened to the fixture's name.
    static func error(_ name: String, options: LoadOptions = LoadOptions()) -> String {
        do {
            _ = try load(name, options: options)
            return "no error"
        } catch {
            return "\(error)".replacingOccurrences(of: directory + "/", with: "")
        }
    }
}
