import Testing
@testable import TextOutput

@Suite struct PrintedTextTests {
    /// Writes `pieces` through a printer with a tiny chunk size, rotating between pieces.
    private func print(_ pieces: [String], chunkSize: Int) -> PrintedText {
        var printer = ChunkedPrinter(chunkSize: chunkSize)
        for piece in pieces {
            printer.rotateIfFull()
            printer.buffer.append(piece)
        }
        return PrintedText(printer.finish())
    }

    @Test func chunksJoinToEverythingWrittenInOrder() {
        let pieces = (0..<500).map { "line \($0) " + String(repeating: "x", count: $0 % 37) + "\n" }
        let text = print(pieces, chunkSize: 256)
        #expect(text.chunks.count > 10)
        #expect(text.string == pieces.joined())
        #expect(text.count == pieces.joined().utf8.count)
        #expect(text.bytes == Array(pieces.joined().utf8))
    }

    @Test func rotatesOnlyBetweenPiecesAndOnceFull() {
        let pieces = (0..<200).map { "piece-\($0)\n" }
        let text = print(pieces, chunkSize: 100)
        for chunk in text.chunks.dropLast() {
            chunk.withUnsafeBytes { bytes in
                // Full before it was rotated, and never ending inside a piece.
                #expect(bytes.count >= 100)
                #expect(bytes.last == UInt8(ascii: "\n"))
            }
        }
    }

    @Test func aPieceLargerThanAChunkGrowsTheBuffer() {
        let big = String(repeating: "y", count: 5_000)
        let text = print(["a\n", big, "b\n"], chunkSize: 64)
        #expect(text.string == "a\n" + big + "b\n")
    }

    @Test func emptyTextHasOneEmptyChunk() {
        let text = print([], chunkSize: 64)
        #expect(text.count == 0)
        #expect(text.bytes.isEmpty)
        #expect(text.chunks.count == 1)
    }
}
