#if canImport(Glibc)
import Glibc
#endif

/// A table of the legacy x_tables backend (`iptables-legacy`) in the calling thread's network
/// namespace. nf_tables netlink cannot see these, yet packets traverse them too.
public struct LegacyIPTable: Sendable, Hashable, CustomStringConvertible {
    public let family: NetfilterFamily
    public let name: String
    /// Entries beyond those of the table when empty (one per built-in chain, plus the end
    /// marker): each rule is one, each user-defined chain two. Nil when the kernel would not say.
    public let extraEntries: Int?

    public init(family: NetfilterFamily, name: String, extraEntries: Int?) {
        self.family = family
        self.name = name
        self.extraEntries = extraEntries
    }

    /// Whether it holds rules or chains of its own (an empty table is left by a mere listing).
    public var holdsRules: Bool { extraEntries.map { $0 > 0 } ?? true }

    public var description: String {
        "\(family) \(name)" + (extraEntries.map { $0 > 0 ? " (\($0) rule or chain entries)" : " (empty)" } ?? "")
    }
}

/// Finds legacy iptables tables without creating any: the kernel lists the ones instantiated
/// in a namespace in `/proc/thread-self/net/ip_tables_names` (and `ip6_tables_names`); only
/// those are asked for their size (`IPT_SO_GET_INFO` on a raw socket), since asking for a
/// table that is not there would load and instantiate it.
public enum LegacyIPTables {
    /// The legacy tables of the calling thread's namespace; none when the x_tables modules are
    /// not loaded (the files are missing then).
    public static func inCurrentNamespace(procNet: String = "/proc/thread-self/net") -> [LegacyIPTable] {
        var found: [LegacyIPTable] = []
        for (family, file) in [(NetfilterFamily.ipv4, "ip_tables_names"), (.ipv6, "ip6_tables_names")] {
            for name in tableNames(readFile(procNet + "/" + file) ?? "") {
                found.append(LegacyIPTable(family: family, name: name, extraEntries: extraEntries(family: family, table: name)))
            }
        }
        return found
    }

    /// Table names, one a line, in the order listed.
    public static func tableNames(_ text: String) -> [String] {
        text.split(separator: "\n").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }

    private static func readFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `struct ipt_getinfo` / `ip6t_getinfo`: name[32], valid_hooks, hook_entry[5],
    /// underflow[5], num_entries, size.
    private static let infoSize = 32 + 4 + 20 + 20 + 4 + 4
    private static let getInfo: Int32 = 64 // IPT_SO_GET_INFO = IP6T_SO_GET_INFO

    private static func extraEntries(family: NetfilterFamily, table: String) -> Int? {
        let domain = family == .ipv6 ? AF_INET6 : AF_INET
        let level = family == .ipv6 ? Int32(IPPROTO_IPV6) : Int32(IPPROTO_IP)
        let raw = socket(domain, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_RAW))
        guard raw >= 0 else { return nil }
        defer { close(raw) }
        var info = [UInt8](repeating: 0, count: infoSize)
        let nameBytes = Array(table.utf8.prefix(31))
        info.replaceSubrange(0..<nameBytes.count, with: nameBytes)
        var length = socklen_t(infoSize)
        let result = info.withUnsafeMutableBytes { getsockopt(raw, level, getInfo, $0.baseAddress, &length) }
        guard result == 0, length == socklen_t(infoSize) else { return nil }
        func word(_ offset: Int) -> UInt32 {
            info.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        }
        let validHooks = word(32)
        let entries = Int(word(32 + 4 + 20 + 20))
        return entries - validHooks.nonzeroBitCount - 1
    }
}

private extension String {
    var trimmingSpaces: String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
