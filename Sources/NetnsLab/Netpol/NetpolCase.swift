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

    /// Reads a case directory. `settings` are the node settings rules are compiled for.
    public static func load(directory: String, settings: NodeSettings = .lab()) throws -> NetpolCase {
        let root = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let expectedPath = root + "/expected.txt"
        let clusterPath = root + "/cluster.yaml"
        let expected = try ExpectedFile(parsing: try TextFile.read(expectedPath), file: expectedPath)
        let read = try CaseClusterReader.read(yaml: try TextFile.read(clusterPath), file: clusterPath, settings: settings)
        var warnings: [String] = []
        let folder = root.split(separator: "/").last.map(String.init) ?? root
        if expected.headers.caseName != folder {
            warnings.append("expected.txt names case '\(expected.headers.caseName)' but the folder is '\(folder)'")
        }
        if read.skippedPolicies > 0 {
            warnings.append("\(read.skippedPolicies) NetworkPolicy object(s) not decoded: the lab's temporary cluster.yaml reader leaves them to ManifestLoader")
        }
        return NetpolCase(directory: root, expected: expected, cluster: read.state, warnings: warnings)
    }
}
