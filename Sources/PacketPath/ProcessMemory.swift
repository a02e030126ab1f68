import CLinuxShims

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
}
