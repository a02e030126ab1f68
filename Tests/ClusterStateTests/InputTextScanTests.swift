import Testing
@testable import ClusterState

/// The text check skips plain ASCII 64 and sixteen bytes at a time: a problem anywhere in or
/// after such a block, after tabs, line breaks and multi-byte characters, is still found at its
/// line and character column.
@Suite struct InputTextScanTests {
    static func problem(_ bytes: [UInt8]) -> String {
        do {
            try InputText.check(utf8: bytes[...], file: "f")
            return "none"
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: 0..<140)
    func controlByteIsFoundAtEveryOffset(offset: Int) {
        let prefix = Array("key: value\n\té".utf8) + Array(repeating: UInt8(ascii: "x"), count: offset)
        #expect(Self.problem(prefix + [0x1B] + Array(" tail\n".utf8))
            == "f: line 2, column \(offset + 3): not text: byte 0x1B (ESC) cannot be text")
        #expect(Self.problem(prefix + [0x7F]) == "f: line 2, column \(offset + 3): not text: byte 0x7F (DEL) cannot be text")
        #expect(Self.problem(prefix + [0xC0, 0x80]) == "f: line 2, column \(offset + 3): not text: byte 0xC0 is not valid UTF-8")
        #expect(Self.problem(prefix + Array("\r\n~ok €\u{85}".utf8)) == "none")
    }

    /// Every byte value in every position of the 64- and sixteen-byte tests (the text spans
    /// two blocks of 64 and a tail): only printable ASCII, tab, line feed and carriage return pass.
    @Test func everyByteValueInEveryPosition() {
        let line = Array("ab\tc: d\r\nefgh ijkl\nmnop: \"qrs\"\n  - tuv wxyz 0123 ~\n".utf8)
        let text = line + line + line
        for value in 0...255 {
            for position in text.indices {
                var bytes = text
                bytes[position] = UInt8(value)
                let allowed = (0x20...0x7E).contains(value) || [0x09, 0x0A, 0x0D].contains(value)
                #expect((Self.problem(bytes) == "none") == allowed, "byte \(value) at \(position)")
            }
        }
    }

    /// Large inputs are checked in two halves on two threads: wherever the second half would
    /// start, with problems before, at, across and after that byte (multi-byte characters cut
    /// in two, stray continuation bytes, controls), the problem found is the one-scan problem.
    @Test func halvesFindTheFirstProblemOfOneScan() {
        let text = Array("a: \"é€😀\"\n\tb: c\u{85}\n".utf8)
        let inserts: [[UInt8]] = [[], [0x1B], [0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xC0, 0x80], [0xEF, 0xBF, 0xBF], [0xC2, 0x9B]]
        for insert in inserts {
            for at in 0...text.count {
                var bytes = text
                bytes.insert(contentsOf: insert, at: at)
                bytes.withUnsafeBufferPointer { buffer in
                    let single = InputText.firstProblem(buffer, splitNear: nil)
                    for near in 0..<buffer.count {
                        let split = InputText.firstProblem(buffer, splitNear: near)
                        #expect(split?.0 == single?.0 && split?.1 == single?.1, "\(insert) at \(at), split near \(near)")
                    }
                    #expect((single == nil) == insert.isEmpty)
                }
            }
        }
    }
}
