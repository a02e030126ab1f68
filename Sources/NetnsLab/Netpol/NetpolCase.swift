import ClusterState

/// One NetworkPolicy case directory: `cluster.yaml` and `expected.txt`
/// (../shared/netpol-cases/README.md).
public struct NetpolCase: Sendable {
    public var directory: String
    public var expected: ExpectedFile
    public var cluster: ClusterState
    /// Things the lab noticed but could go on with (shown loudly by the CLI).
    public var warnings: [String]

    public var name: String { expected.headers.caseName }

    public init(directory: String, expected: ExpectedFile, cluster: ClusterState, warnings: [String] = []) {
        self.directory = directory
        self.expected = expected
        self.cluster = cluster
        self.warnings = warnings
    }

    /// Reads a case directory with `ManifestLoader`. The lab's node `settings` replace the
    /// loaded ones: the topology decides the node address, and the README fixes the pod CIDR.
    public static func load(directory: String, settings: NodeSettings = .lab()) throws -> NetpolCase {
        let root = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let expectedPath = root + "/expected.txt"
        let clusterPath = root + "/cluster.yaml"
        let expected = try ExpectedFile(parsing: try TextFile.read(expectedPath), file: expectedPath)
        let loaded = try ManifestLoader.load(paths: [clusterPath])
        var cluster = loaded.state
        cluster.settings = settings
        // Notes about the node the input leaves unstated do not apply: the lab's settings replace them.
        var warnings = loaded.warnings.filter { !$0.isNote }.map(\.description)
        let folder = root.split(separator: "/").last.map(String.init) ?? root
        if expected.headers.caseName != folder {
            warnings.append("expected.txt names case '\(expected.headers.caseName)' but the folder is '\(folder)'")
        }
        return NetpolCase(directory: root, expected: expected, cluster: cluster, warnings: warnings)
    }
}
