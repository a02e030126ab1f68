#if canImport(Glibc)
import Glibc
#endif

/// Paths tests need: the package root (from this file's location, Tests/TestSupport/...), the
/// copies of the reference data under `golden/`, the shared originals beside the project (when
/// present), and the built `packetpath` binary (beside the test bundle).
public enum ProjectPaths {
    public static let root: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(3)
        return components.joined(separator: "/")
    }()

    /// The shared reference data; only the test that checks the copies reads it.
    public static let shared = root + "/../shared"

    /// Byte-identical copies of the reference files the tests read, so a plain clone passes.
    public static let golden = root + "/golden"

    /// The kube-proxy v1.30 reference cases (copies).
    public static let kubeProxyCases = golden + "/kube-proxy-v1.30/cases"

    /// The NetworkPolicy truth tables (copies).
    public static let netpolCases = golden + "/netpol-cases"

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
