#if canImport(Glibc)
import Glibc
#endif

/// Paths tests need: the package root (from this file's location, Tests/TestSupport/...), the
/// shared reference data beside it, and the built `packetpath` binary (beside the test bundle).
public enum ProjectPaths {
    public static let root: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(3)
        return components.joined(separator: "/")
    }()

    public static let shared = root + "/../shared"

    /// The kube-proxy v1.30 reference cases.
    public static let kubeProxyCases = shared + "/kube-proxy-v1.30/cases"

    /// The NetworkPolicy truth tables.
    public static let netpolCases = shared + "/netpol-cases"

    public static let binary: String = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let executable = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        var directory = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        // The test runner lives inside PacketPathPackageTests.xctest/ on some layouts.
        while !directory.isEmpty, access(directory + "/packetpath", X_OK) != 0 {
            directory = directory.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        }
        return directory + "/packetpath"
    }()
}
