#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims
import PairedThreads
import Synchronization
import Testing

@Suite struct HugePageHeapTests {
    /// A mapping of /proc/self/smaps: its address range and its VmFlags.
    private struct Mapping {
        let range: Range<UInt>
        var flags: [Substring] = []
    }

    private static func mappings() -> [Mapping] {
        guard let file = fopen("/proc/self/smaps", "r") else { return [] }
        defer { fclose(file) }
        var result: [Mapping] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            let text = String(cString: line!)
            if text.hasPrefix("VmFlags:") {
                if !result.isEmpty { result[result.count - 1].flags = text.dropFirst(8).split(separator: " ") }
                continue
            }
            // A mapping's first line: "start-end perms offset device inode [path]", in hex.
            let fields = text.split(separator: " ", maxSplits: 1)
            let bounds = fields.first?.split(separator: "-") ?? []
            if bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16) {
                result.append(Mapping(range: start..<end))
            }
        }
        return result
    }

    /// Runs `body` on a helper thread of its own, so that it has a heap (a glibc arena) of its own.
    private static func onHelper<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let result = Mutex<T?>(nil)
        HelperThread().run { part in
            if part == 1 { let value = body(); result.withLock { $0 = value } }
        }
        return result.withLock { $0! }
    }

    @Test func theReservedRangeIsAdvisedAndTheThreadAllocatesFromIt() {
        // What `ProcessMemory.keepFreedMemoryForReuse` sets: without it the blocks are mapped
        // on their own and returned when freed.
        #expect(pp_keep_freed_memory(32 << 20, 1 << 30) == 1)
        let reserved = 48 << 20
        let (ranges, allocated, large) = Self.onHelper { () -> ([Range<UInt>], UInt, UInt) in
            let ranges = HugePageHeap.reserve(bytes: reserved)
            // The heap stays usable, and the next block comes from where the reservation was.
            let block = malloc(4 << 20)!
            memset(block, 0x5A, 4 << 20)
            let bytes = block.assumingMemoryBound(to: UInt8.self)
            let intact = bytes[0] == 0x5A && bytes[(4 << 20) - 1] == 0x5A
            // A block above the mmap threshold is still mapped apart (the fences see to it).
            let large = malloc(40 << 20)!
            memset(large, 0x5A, 4096)
            let result = (ranges, intact ? UInt(bitPattern: block) : 0, UInt(bitPattern: large))
            free(large)
            free(block)
            return result
        }
        guard access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0 else {
            #expect(ranges.isEmpty)  // no huge pages in this kernel: madvise refuses, nothing is reported
            return
        }
        // Two blocks of 24 MiB with a fence between: one run, or two where the helper's heap
        // (64 MiB at most, shared with earlier threads') had no room for both. All of it is
        // advised but the partial huge pages at the ends of each run.
        #expect(ranges.count == 1 || ranges.count == 2)
        let advised = ranges.reduce(0) { $0 + Int($1.upperBound - $1.lowerBound) }
        #expect(advised >= reserved - ranges.count * (4 << 20) && advised <= reserved + (1 << 20))
        #expect(ranges.allSatisfy { $0.lowerBound % UInt(2 << 20) == 0 && $0.upperBound % UInt(2 << 20) == 0 })
        let near = ranges.map { ($0.lowerBound - UInt(2 << 20))..<($0.upperBound + UInt(2 << 20)) }
        #expect(near.contains { $0.contains(allocated) })
        #expect(!near.contains { $0.contains(large) })
        // The kernel's record of the advice: every mapping in the ranges is flagged "hg"
        // (MADV_HUGEPAGE), and together they cover the ranges.
        let mappings = Self.mappings()
        for range in ranges {
            let inside = mappings.filter { $0.range.overlaps(range) }
            #expect(!inside.isEmpty)
            #expect(inside.allSatisfy { $0.flags.contains("hg") })
            let covered = inside.reduce(0) { $0 + Int(min($1.range.upperBound, range.upperBound) - max($1.range.lowerBound, range.lowerBound)) }
            #expect(covered == Int(range.upperBound - range.lowerBound))
        }
    }

    @Test func nothingToReserveAdvisesNothing() {
        #expect(Self.onHelper { HugePageHeap.reserve(bytes: 0) }.isEmpty)
    }

    @Test func withoutHugePagesTheHeapIsGrownButNotAdvised() {
        #expect(pp_keep_freed_memory(32 << 20, 1 << 30) == 1)
        let (ranges, block) = Self.onHelper { () -> ([Range<UInt>], UInt) in
            let ranges = HugePageHeap.reserve(bytes: 24 << 20, hugePages: false)
            let block = malloc(1 << 20)!
            memset(block, 0x5A, 1 << 20)
            free(block)
            return (ranges, UInt(bitPattern: block))
        }
        // Nothing advised (whether its mapping is flagged depends on what else shares the
        // thread's arena), and the heap stays usable.
        #expect(ranges.isEmpty)
        #expect(Self.mappings().contains { $0.range.contains(block) })
    }
}
