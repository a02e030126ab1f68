import CLinuxShims
import PairedThreads
#if canImport(Glibc)
import Glibc
#endif

/// How a process that compiles large rulesets keeps its memory. A process-wide setting, so
/// executables choose it (the `packetpath` command does, first thing); the library never
/// changes it on its own.
public enum ProcessMemory {
    /// Keeps freed memory for reuse instead of returning it to the system.
    ///
    /// By default glibc serves blocks over 128 KiB to 32 MiB (the rule arrays, the merged
    /// chain table, the text chunks) with fresh mappings, or trims them off the heap when
    /// freed, and every fresh page then costs a page fault with the page cleared; on this
    /// project's virtual machines that was an eighth of compiling 10,000 Services. Blocks
    /// up to 32 MiB come from the heap instead, and up to 1 GiB of freed heap stays mapped.
    /// The cost is memory held after it is freed: a process compiling 10,000 Services over
    /// and over peaks at about 180 MB instead of 140 MB. True when applied.
    @discardableResult
    public static func keepFreedMemoryForReuse() -> Bool {
        pp_keep_freed_memory(32 << 20, 1 << 30) == 1
    }

    /// Grows the heaps that decoding and compiling `paths` will use (this thread's and the
    /// paired helper's, see `PairedThreads`) at once, with `hugePages` on memory advised for
    /// huge pages (`HugePageHeap`), sized from the inputs' total size (YAML counted three
    /// times: 10,000 Services are 40 MB of `kubectl -o json` text, 13-14 MB of YAML, and
    /// decode to the same objects). Call it on the thread that will compile, after
    /// `keepFreedMemoryForReuse` (without it nothing changes). Standard input and directories
    /// are not counted, and under 4 MiB in all nothing is done: below a few huge pages there
    /// is nothing to gain.
    public static func prepareHeaps(forInputs paths: [String], hugePages: Bool = true) {
        var total = 0
        for path in paths where path != "-" {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            total += startsLikeJSON(path) ? Int(info.st_size) : Int(info.st_size) * 3
        }
        guard total >= 4 << 20 else { return }
        let bytes = min(total, 512 << 20)
        // What compiling 10,000 Services from 40 MB of JSON grew: the main heap by 63 MB (the
        // decoded cluster, half the rules), the helper's by 68 MB (half the decoding, the other
        // half of the rules). The decoder runs its halves on the same pair (a JSON List's second
        // reader, a YAML List's items, the UTF-8 check); a multi-document file's runs still use
        // Dispatch's pool.
        PairedThreads.reserveHeaps(hugePages: hugePages) { part in part == 0 ? bytes * 8 / 5 : bytes * 7 / 4 }
    }

    /// Whether the file's first byte after white space and a UTF-8 byte-order mark opens a
    /// JSON object or array; only the reservation's size depends on it.
    private static func startsLikeJSON(_ path: String) -> Bool {
        let file = open(path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return false }
        defer { close(file) }
        var head = [UInt8](repeating: 0, count: 512)
        let count = head.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        let start = head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let first = head[start..<count].first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
    }
}
