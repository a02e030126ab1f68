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

@Suite struct IPv4TextTests {
    @Test func dottedQuadsForEveryOctetWidth() {
        var values: [UInt32] = [0, 0xffff_ffff, 0x0a00_0001, 0x6409_6301, 0xc0a8_0a64]
        for _ in 0..<2_000 { values.append(UInt32.random(in: 0...UInt32.max)) }
        for value in values {
            var buffer = ByteBuffer(capacity: 8)
            buffer.append("x=" as StaticString)
            buffer.appendIPv4(value)
            let expected = "x=" + [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xff) }.joined(separator: ".")
            #expect(String(decoding: buffer.bytes, as: UTF8.self) == expected)
        }
    }
}
