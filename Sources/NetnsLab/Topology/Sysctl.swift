#if canImport(Glibc)
import Glibc
#endif

/// Writes `/proc/sys` entries. `/proc/sys/net` shows the network namespace of the thread that
/// opens it, so calling this from a namespace thread sets that namespace's values without
/// spawning `sysctl`.
enum Sysctl {
    static func write(_ key: String, _ value: String) throws {
        let path = "/proc/sys/" + key.replacingDots()
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LabError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((value + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw LabError("cannot write \(value) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func read(_ key: String) -> String? {
        let path = "/proc/sys/" + key.replacingDots()
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 256) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self).trimmingTrailingNewlines()
    }
}

extension String {
    /// `net.ipv4.ip_forward` → `net/ipv4/ip_forward` (interface names have no dots here).
    fileprivate func replacingDots() -> String {
        String(map { $0 == "." ? "/" : $0 })
    }

    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}
