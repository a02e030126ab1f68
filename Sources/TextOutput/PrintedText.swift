/// Printed text held in the buffers it was printed into, in order.
///
/// A large ruleset prints into many buffers on several threads; joining them into one array
/// would cost a copy of tens of megabytes and, worse, the page faults of fresh memory for it.
/// Writers of the text (stdout, a file, a pipe) take the chunks one after another instead.
public struct PrintedText: Sendable {
    public let chunks: [TextChunk]

    public init(_ chunks: [TextChunk]) {
        self.chunks = chunks
    }

    /// Number of bytes over all chunks.
    public var count: Int { chunks.reduce(0) { $0 + $1.count } }

    /// The whole text as one array (a copy).
    public var bytes: [UInt8] {
        let total = count
        return [UInt8](unsafeUninitializedCapacity: total) { destination, initialized in
            var offset = 0
            for chunk in chunks {
                chunk.withUnsafeBytes { source in
                    guard let start = source.baseAddress else { return }
                    UnsafeMutableRawPointer(destination.baseAddress! + offset).copyMemory(from: start, byteCount: source.count)
                }
                offset += chunk.count
            }
            initialized = total
        }
    }

    /// The whole text as a String (a copy).
    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// One buffer of printed bytes, immutable once made.
public final class TextChunk: @unchecked Sendable {
    private let base: UnsafeMutablePointer<UInt8>?
    public let count: Int

    /// Takes ownership of `base`, which must come from `UnsafeMutablePointer.allocate`.
    init(owning base: UnsafeMutablePointer<UInt8>?, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { base?.deallocate() }

    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}

/// Printing into a series of buffers of about `chunkSize` bytes each.
///
/// Megabyte-sized buffers come from the allocator's free lists once a process has printed
/// before, where one buffer for the whole text (tens of megabytes) is fresh memory from the
/// kernel every time, with a page fault per 4 KiB page on first write.
public struct ChunkedPrinter: ~Copyable {
    /// The buffer being written.
    public var buffer: ByteBuffer
    @usableFromInline var chunks: [TextChunk] = []
    @usableFromInline let chunkSize: Int

    public init(chunkSize: Int = 1 << 20) {
        self.chunkSize = chunkSize
        // Room past the chunk size, so that a piece started just below it rarely grows it.
        buffer = ByteBuffer(capacity: chunkSize + chunkSize / 16)
    }

    /// Starts a new buffer once the current one holds `chunkSize` bytes; call between
    /// pieces of output, so that no line is split across chunks.
    @inlinable
    public mutating func rotateIfFull() {
        if buffer.count >= chunkSize { rotate() }
    }

    @usableFromInline
    mutating func rotate() {
        var full = ByteBuffer(capacity: chunkSize + chunkSize / 16)
        swap(&full, &buffer)
        chunks.append(full.finish())
    }

    /// Every chunk written, in order (the last one may be empty).
    public consuming func finish() -> [TextChunk] {
        var result = chunks
        result.append(buffer.finish())
        return result
    }
}
