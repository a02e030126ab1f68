#if canImport(Glibc)
import Glibc
#endif

/// Large read buffers ask Linux for transparent huge pages (honoured where the system's
/// setting is `madvise` or `always`): `read` into a 40 MB buffer of 4 KB pages takes ten
/// thousand page faults, into 2 MB pages a few dozen. Only advice: a refusal changes nothing.
enum HugePages {
    /// The 2 MB pages wholly inside `buffer`.
    static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        guard let base = buffer.baseAddress else { return }
        let size = 2 << 20
        let start = (Int(bitPattern: base) + size - 1) & ~(size - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(size - 1)
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE)
        #endif
    }
}
