#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Grows the calling thread's malloc heap at once by what a job is expected to use, and asks
/// Linux for transparent huge pages on it: what glibc's `glibc.malloc.hugetlb=1` tunable does
/// for the main heap, without the environment variable, and for a helper thread's heap too.
///
/// A heap that grows block by block takes a 4 KB page fault for every page it first touches
/// (compiling 10,000 Services: 32,000 faults, about a tenth of a second of system time), and
/// a helper thread's heap (glibc's arenas other than the main one) also grows by one
/// `mprotect` per page it needs: thousands of calls. Allocating the expected amount in a few
/// large blocks, advising their range MADV_HUGEPAGE and freeing them leaves the heap grown
/// and advised, so that later allocations of the thread fault in 2 MB at a time. That needs
/// blocks of this size to come from the heap (an mmap threshold above them, as
/// `ProcessMemory.keepFreedMemoryForReuse` sets); otherwise they are mapped and unmapped on
/// their own and nothing changes. Untouched reserved memory costs
/// address space, not memory; where huge pages are `never`, the advice is ignored and the
/// heap is still grown in one step.
///
/// Each block is followed by a small fence that stays allocated for good. Freed into the
/// heap's top, the blocks would let later requests above the mmap threshold (a 40 MB read
/// buffer) be carved from the top instead of being mapped apart and unmapped when freed: the
/// peak of compiling 10,000 Services grew by 24 MB that way. Fenced, each block stays a free
/// chunk of its own, smaller than the threshold, that only requests below it are served from.
public enum HugePageHeap {
    /// The largest block: below the 32 MiB mmap threshold, so each comes from the heap, and
    /// two fit in a helper's heap (64 MiB at most). Large, because malloc writes a header at
    /// each block's end before the advice is given, and a 2 MB page with a 4 KB page already
    /// in it is no longer filled as one huge page.
    public static let largestBlock = 30 << 20
    /// Above the sizes that glibc's per-thread caches and fast bins hold, so that a fence is
    /// normally carved from the top right after its block.
    static let fenceSize = 64 << 10
    /// The fences' addresses: kept where the optimizer can see they are used (an allocation
    /// it can prove unused it removes, fence and all).
    private static let fences = Mutex<[UInt]>([])
    static let hugePageSize = 2 << 20

    /// Reserves about `bytes` on this thread's heap, in blocks of at most `largestBlock`, and
    /// with `hugePages` advises them; returns the address ranges advised (the whole huge
    /// pages inside the blocks, runs of adjacent blocks joined).
    ///
    /// Without the advice the heap is still grown at once (no `mprotect` per page). The advice
    /// is a trade: on this project's virtual machines, compiling 10,000 Services took about
    /// 6,000 page faults instead of 32,800 and less system time when the machine was quiet, but
    /// clearing 2 MB pages (fresh from the host) made the system time vary more under load.
    @discardableResult
    public static func reserve(bytes: Int, hugePages: Bool = true) -> [Range<UInt>] {
        #if os(Linux)
        guard bytes > 0 else { return [] }
        let count = (bytes + largestBlock - 1) / largestBlock
        let size = (bytes + count - 1) / count
        var blocks: [UnsafeMutableRawPointer] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            guard let block = malloc(size) else { break }
            blocks.append(block)
            guard let fence = malloc(fenceSize) else { break }
            fences.withLock { $0.append(UInt(bitPattern: fence)) }
        }
        defer { for block in blocks.reversed() { free(block) } }
        // Blocks carved one after another from the top of the heap are one run (apart by a
        // fence, chunk headers and perhaps the fence list's storage); a block from elsewhere
        // (a new heap, a free chunk) starts its own.
        var runs: [Range<UInt>] = []
        for block in blocks.map({ UInt(bitPattern: $0) }) {
            if let last = runs.last, block >= last.upperBound, block - last.upperBound <= UInt(fenceSize + 4096) {
                runs[runs.count - 1] = last.lowerBound..<(block + UInt(size))
            } else {
                runs.append(block..<(block + UInt(size)))
            }
        }
        guard hugePages else { return [] }
        let mask = UInt(hugePageSize - 1)
        return runs.compactMap { run in
            let start = (run.lowerBound + mask) & ~mask
            let end = run.upperBound & ~mask
            guard end > start,
                  madvise(UnsafeMutableRawPointer(bitPattern: start), Int(end - start), MADV_HUGEPAGE) == 0
            else { return nil }
            return start..<end
        }
        #else
        return []
        #endif
    }
}

extension PairedThreads {
    /// `HugePageHeap.reserve` on both threads of the pair at once: `bytes(0)` on this thread's
    /// heap, `bytes(1)` on the helper's.
    public static func reserveHeaps(hugePages: Bool, _ bytes: @Sendable (Int) -> Int) {
        run { part in _ = HugePageHeap.reserve(bytes: bytes(part), hugePages: hugePages) }
    }
}
