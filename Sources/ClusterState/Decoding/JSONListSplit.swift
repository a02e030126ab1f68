import Dispatch
import PairedThreads
#if canImport(Glibc)
import Glibc
#endif

/// Reads a large JSON stream on two threads. `kubectl get -o json` prints one `List` whose
/// `items` hold nearly every byte, so a second thread starts reading list items at a guessed
/// item start past the middle, while the first reads from the beginning. When the first
/// arrives at that byte, inside a list at `listDepth`, it takes over the second's items and
/// goes on from where the second stopped; JSON read from one byte in one state gives one
/// result, so the tree, positions and first error are those of a single pass. In item mode
/// (`JSONItemDecoding`) the second thread decodes the items it reads instead of keeping their
/// tree, as if its list were a document's `items`; taken over elsewhere, that work is of no use
/// and the stream is read again in tree mode. When the guess
/// was wrong (the byte lies in a string or in a deeper list) the second thread's work is
/// dropped and the first reads on alone.
enum JSONListSplit {
    /// How deep the list is whose items are shared out: a list that is a top-level object's
    /// field (`items`), as a list is never a stream's value.
    static let listDepth = 1

    /// Bytes past `near` searched for an item start.
    static let window = 1 << 18

    /// A likely start of an item of a field's list at or after `near`: an object (`{`) after a
    /// `,` — inside an object a `,` is followed by a field name — at the shallowest nesting
    /// seen in the window. Searching from a line start, which is never inside a JSON string,
    /// makes the nesting count exact for pretty-printed input.
    static func cut(near: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard near >= 0, near < bytes.count, let base = bytes.baseAddress else { return nil }
        var index = near
        if let newline = memchr(base + near, 0x0A, min(window, bytes.count - near)) {
            index = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
        }
        let end = min(bytes.count, index + window)
        var depth = 0, inString = false
        var best: (index: Int, depth: Int)?
        var previous: UInt8 = 0  // the last byte that is not whitespace, outside strings
        while index < end {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") { index += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"):
                    if previous == UInt8(ascii: ","), best.map({ depth < $0.depth }) ?? true { best = (index, depth) }
                    depth += 1
                case UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                default: break
                }
                if !JSONStream.isSpace(byte) { previous = byte }
            }
            index += 1
        }
        return best?.index
    }

    /// What the second thread read: list items from the cut to the list's `]` (or its first
    /// error), lines counted from 1 at the cut's line; in item mode, what the items decoded to
    /// (document and line numbers to be set by the taker).
    struct Outcome {
        var tree = YAMLTree()
        var roots: [Int] = []
        var part = DecodedChunk()
        var duplicateKeys: YAMLTree.DuplicateKeys?
        var error: ManifestError?
        var end = (index: 0, line: 1, lineStart: 0, continuationBytes: 0)
    }

    /// The second thread (the paired helper when it is free, so that this half's memory is
    /// the helper's heap, which the compile's other half reuses; else a Dispatch worker);
    /// `wait` returns its outcome once it is done.
    final class Speculation: @unchecked Sendable {
        let cut: Int
        private let result: Result
        private let onHelper: HelperThread.Started?
        private let done = DispatchGroup()

        /// Written by the second thread, read after it is joined.
        private final class Result: @unchecked Sendable {
            var outcome = Outcome()
        }

        init(bytes: UnsafeBufferPointer<UInt8>, file: String, cut: Int, itemDecoder: DocumentDecoder?) {
            self.cut = cut
            let result = Result()
            self.result = result
            nonisolated(unsafe) let bytes = bytes
            let read: @Sendable () -> Void = {
                result.outcome = JSONListSplit.readItems(bytes, file: file, from: cut, itemDecoder: itemDecoder)
            }
            onHelper = PairedThreads.start(read)
            if onHelper == nil { DispatchQueue.global().async(group: done, execute: read) }
        }

        /// The outcome, moved out (a later call gets an empty one): its items then have one
        /// owner, so that they move on without a copy.
        @discardableResult
        func wait() -> Outcome {
            if let onHelper { onHelper.wait() } else { done.wait() }
            var outcome = Outcome()
            swap(&outcome, &result.outcome)
            return outcome
        }
    }

    private static func readItems(_ bytes: UnsafeBufferPointer<UInt8>, file: String, from cut: Int,
                                  itemDecoder: DocumentDecoder?) -> Outcome {
        var scanner = JSONStream.Scanner(bytes: bytes, file: file, reservingFor: itemDecoder == nil ? bytes.count - cut : 0)
        scanner.index = cut
        // The cut's line starts after the last line feed before it; columns count characters.
        var lineStart = cut
        while lineStart > 0, bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
        scanner.lineStart = lineStart
        scanner.continuationBytes = bytes[lineStart..<cut].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 1 : 0) }
        scanner.itemRoots = []
        scanner.itemDecoder = itemDecoder
        scanner.inItemsList = itemDecoder != nil
        var outcome = Outcome()
        do {
            try scanner.listItems(depth: listDepth)
        } catch let error as ManifestError {
            outcome.error = error
        } catch {
            outcome.error = ManifestError(file: file, message: "\(error)")
        }
        outcome.tree = scanner.tree
        outcome.roots = scanner.itemRoots ?? []
        outcome.part = scanner.listPart
        outcome.duplicateKeys = scanner.duplicateKeys?.error
        outcome.end = (scanner.index, scanner.line, scanner.lineStart, scanner.continuationBytes)
        return outcome
    }
}
