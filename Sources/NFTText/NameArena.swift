import CPrefetch
import PairedThreads
import RuleModel
import TextOutput

/// The chain names of a table copied once into one or two byte arrays.
///
/// Long (nftables) names are Strings: writing one from the model copies it, an atomic retain
/// and release on an object the other printing thread may be touching too. The declarations,
/// every rule line and the sort read a chain's name; they read it from here.
final class NameArena: @unchecked Sendable {
    /// Names whose start is below `firstCount` are in `first`, the others in `second`
    /// (a large table's halves are packed on two threads, and not joined).
    private let first: UnsafeMutableBufferPointer<UInt8>
    private let second: UnsafeMutableBufferPointer<UInt8>?
    private let firstCount: Int
    /// Name `i` spans offsets `starts[i]..<starts[i + 1]` of the two arrays taken end to end.
    private let starts: [Int]
    /// The chains' rule counts (empty for plain names), read in the same pass: the printer
    /// splits its work by them without visiting every chain again.
    let ruleCounts: [Int32]
    /// Where each chain's rules are stored, and whether it is a plain regular chain (no hook,
    /// no comment), read in the same pass. The printer visits chains in name order, not in
    /// the order of the table's array: reading these from compact arrays spares it a cache
    /// miss on an 80-byte chain for every declaration and every chain's rules.
    ///
    /// The rule pointers are the chains' own array storage, valid while the table they were
    /// read from is alive and unchanged (the printer holds it for as long as it prints).
    private let ruleStarts: [UnsafePointer<Rule>?]
    private let plain: [Bool]

    /// From this many chains on, each half is packed on its own thread: every name is a cache
    /// miss (its String lives wherever the builder allocated it).
    static let parallelThreshold = 20_000

    /// The chains' names, read in place (mapping them out first copies every name).
    init(_ chains: [Chain], threads: Int = 1) {
        let count = chains.count
        var starts = [Int](repeating: 0, count: count + 1)
        var ruleCounts = [Int32](repeating: 0, count: count)
        var ruleStarts = [UnsafePointer<Rule>?](repeating: nil, count: count)
        var plain = [Bool](repeating: false, count: count)
        let parts = threads > 1 && count >= NameArena.parallelThreshold ? 2 : 1
        let half = parts == 2 ? count / 2 : count
        var packed: [UnsafeMutableBufferPointer<UInt8>] = []
        var used: [Int] = []
        chains.withUnsafeBufferPointer { chains in
            starts.withUnsafeMutableBufferPointer { starts in
                ruleCounts.withUnsafeMutableBufferPointer { ruleCounts in
                    ruleStarts.withUnsafeMutableBufferPointer { ruleStarts in
                        plain.withUnsafeMutableBufferPointer { plain in
                            nonisolated(unsafe) let (chains, starts) = (chains, starts)
                            nonisolated(unsafe) let chainFacts = ChainFacts(ruleCounts: ruleCounts, ruleStarts: ruleStarts,
                                                                            plain: plain)
                            let results = UnsafeMutableBufferPointer<(UnsafeMutableBufferPointer<UInt8>, Int)>
                                .allocate(capacity: parts)
                            defer { results.deallocate() }
                            nonisolated(unsafe) let output = results
                            let packPart: @Sendable (Int) -> Void = { part in
                                let range = part == 0 ? 0..<half : half..<count
                                output[part] = NameArena.pack(chains, range, starts: starts, facts: chainFacts)
                            }
                            if parts == 2 { PairedThreads.run(packPart) } else { packPart(0) }
                            packed = results.map(\.0)
                            used = results.map(\.1)
                        }
                    }
                }
            }
        }
        // The second half's offsets were counted from its own start.
        if parts == 2 {
            for index in (half + 1)...count { starts[index] += used[0] }
        }
        first = packed[0]
        second = parts == 2 ? packed[1] : nil
        firstCount = used[0]
        self.starts = starts
        self.ruleCounts = ruleCounts
        self.ruleStarts = ruleStarts
        self.plain = plain
    }

    init(_ names: [ChainName]) {
        var starts = [Int](repeating: 0, count: names.count + 1)
        var bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(names.count * 64, 64))
        var used = 0
        for (index, name) in names.enumerated() {
            name.withUTF8 { NameArena.append($0, to: &bytes, used: &used) }
            starts[index + 1] = used
        }
        first = bytes
        second = nil
        firstCount = used
        self.starts = starts
        ruleCounts = []
        ruleStarts = []
        plain = []
    }

    /// Where `pack` writes what it reads of each chain besides its name.
    private struct ChainFacts {
        let ruleCounts: UnsafeMutableBufferPointer<Int32>
        let ruleStarts: UnsafeMutableBufferPointer<UnsafePointer<Rule>?>
        let plain: UnsafeMutableBufferPointer<Bool>
    }

    /// Packs the names of `range` into a new array; `starts[i + 1]` is where name `i` ends,
    /// counted from the start of the range's array.
    private static func pack(_ chains: UnsafeBufferPointer<Chain>, _ range: Range<Int>,
                             starts: UnsafeMutableBufferPointer<Int>, facts: ChainFacts)
        -> (UnsafeMutableBufferPointer<UInt8>, Int) {
        // nftables chain names are mostly 40 to 60 bytes.
        var bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(range.count * 64, 64))
        var used = 0
        for index in range {
            if index + NamePrefetch.distance < range.upperBound {
                NamePrefetch.chain(chains.baseAddress! + index + NamePrefetch.distance)
            }
            let chain = chains.baseAddress! + index
            chain.pointee.name.withUTF8 { append($0, to: &bytes, used: &used) }
            chain.pointee.rules.span.withUnsafeBufferPointer { rules in
                facts.ruleCounts[index] = Int32(truncatingIfNeeded: rules.count)
                facts.ruleStarts[index] = UnsafePointer(rules.baseAddress)
            }
            var plain = true
            if case .some = chain.pointee.attachment { plain = false }
            if case .some = chain.pointee.comment { plain = false }
            facts.plain[index] = plain
            starts[index + 1] = used
        }
        return (bytes, used)
    }

    private static func append(_ name: UnsafeBufferPointer<UInt8>, to bytes: inout UnsafeMutableBufferPointer<UInt8>,
                               used: inout Int) {
        if used + name.count > bytes.count {
            let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 2 * (used + name.count))
            UnsafeMutableRawPointer(larger.baseAddress!).copyMemory(from: bytes.baseAddress!, byteCount: used)
            bytes.deallocate()
            bytes = larger
        }
        if let start = name.baseAddress {
            UnsafeMutableRawPointer(bytes.baseAddress! + used).copyMemory(from: start, byteCount: name.count)
        }
        used += name.count
    }

    deinit {
        first.deallocate()
        second?.deallocate()
    }

    var count: Int { starts.count - 1 }

    func name(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let start = starts[index]
        let length = starts[index + 1] - start
        if let second, start >= firstCount {
            return UnsafeBufferPointer(start: second.baseAddress! + (start - firstCount), count: length)
        }
        return UnsafeBufferPointer(start: first.baseAddress! + start, count: length)
    }

    func write(_ index: Int, to out: inout ByteBuffer) {
        out.append(UnsafeRawBufferPointer(name(index)))
    }

    /// Chain `index`'s rules, in place (tables' chains only).
    func rules(_ index: Int) -> UnsafeBufferPointer<Rule> {
        UnsafeBufferPointer(start: ruleStarts[index], count: Int(ruleCounts[index]))
    }

    /// Whether chain `index` is a regular chain without a comment (tables' chains only).
    func isPlain(_ index: Int) -> Bool { plain[index] }

    /// Hints for chain `index`'s entries in the compact arrays (read in name order, they
    /// are scattered over a megabyte or two each).
    @inline(__always)
    func prefetchEntries(_ index: Int) {
        starts.withUnsafeBufferPointer { pp_prefetch($0.baseAddress! + index) }
        ruleStarts.withUnsafeBufferPointer { pp_prefetch($0.baseAddress! + index) }
        ruleCounts.withUnsafeBufferPointer { pp_prefetch($0.baseAddress! + index) }
    }

    /// Hints for the start of name `index`'s bytes.
    @inline(__always)
    func prefetchName(_ index: Int) {
        let start = starts[index]
        if let second, start >= firstCount {
            pp_prefetch(second.baseAddress! + (start - firstCount))
        } else {
            pp_prefetch(first.baseAddress! + start)
        }
    }

    /// Indices in byte order of the names (ties keep their order).
    func sortedIndices(threads: Int = 1) -> [Int] {
        NameOrder.sorted(count: count, threads: threads) { self.name($0) }
    }
}

/// Hints for a chain the packing reaches a few iterations later: the storage of its name
/// and of its rule array, both wherever the builder allocated them.
enum NamePrefetch {
    static let distance = 8

    // Computed, so they fold to constants.
    private static var rulesOffset: Int { MemoryLayout<Chain>.offset(of: \Chain.rules)! }
    private static var nameOffset: Int { MemoryLayout<Chain>.offset(of: \Chain.name)! }

    @inline(__always)
    static func chain(_ chain: UnsafePointer<Chain>) {
        let raw = UnsafeRawPointer(chain)
        if let storage = storage(ofNameAt: raw + nameOffset) {
            pp_prefetch(storage)
            pp_prefetch(storage + 64)
        }
        if let rules = raw.load(fromByteOffset: rulesOffset, as: UnsafeRawPointer?.self) {
            pp_prefetch(rules)
        }
    }

    /// Where a long name's String keeps its bytes, for a hint only: its second word holds the
    /// storage address in its low 56 bits (flags above), the bytes following a 32-byte header.
    /// An inline name's bits make an address that is only a wasted hint, which never faults.
    @inline(__always)
    static func storage(ofNameAt name: UnsafeRawPointer) -> UnsafeRawPointer? {
        UnsafeRawPointer(bitPattern: name.load(fromByteOffset: 8, as: UInt.self) & 0x00FF_FFFF_FFFF_FFFF)
    }
}
