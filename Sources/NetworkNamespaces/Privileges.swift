#if canImport(Glibc)
import Glibc
#endif

/// What the process may do with network namespaces and netfilter.
public enum Privileges {
    /// CAP_NET_ADMIN and CAP_SYS_ADMIN in the effective set: enough to create namespaces,
    /// enter them and program netfilter inside them.
    public static var canManageNetworkNamespaces: Bool {
        guard let status = try? String(contentsOfProcFile: "/proc/self/status") else { return false }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).filter { $0 != " " && $0 != "\t" }
            guard let mask = UInt64(hex, radix: 16) else { return false }
            let netAdmin: UInt64 = 1 << 12
            let sysAdmin: UInt64 = 1 << 21
            return mask & netAdmin != 0 && mask & sysAdmin != 0
        }
        return false
    }

    /// One line saying why privileged work cannot run here, or nil when it can.
    public static var missingReason: String? {
        canManageNetworkNamespaces ? nil
            : "needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root) to create and program network namespaces"
    }
}

extension String {
    /// Reads a small /proc file (their size is 0 to stat, so read until EOF).
    init(contentsOfProcFile path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NamespaceError("cannot read \(path)") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

extension Privileges {
    /// Whether tests that need namespaces should run: when the privileges are there, or when
    /// `PACKETPATH_REQUIRE_PRIVILEGED=1` demands it (CI sets it, so a missing privilege fails
    /// those tests there instead of skipping them).
    public static var privilegedTestsEnabled: Bool {
        canManageNetworkNamespaces || getenv("PACKETPATH_REQUIRE_PRIVILEGED").map { String(cString: $0) == "1" } == true
    }

    /// The comment shown when privileged tests are skipped.
    public static var skipComment: String {
        "SKIPPED (not passed): \(missingReason ?? "privileges missing")"
    }
}
