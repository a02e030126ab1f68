import PairedThreads

/// Turns an input's bytes into text the way kubectl reads files: UTF-8, with or without a
/// byte-order mark, or UTF-16 (LE/BE) with one. Anything that cannot be YAML or JSON text —
/// invalid UTF-8, NUL and other control characters — is refused at its first byte with its line
/// and column, so a binary file or a device ends in one clear error.
enum InputText {
    enum Encoding {
        case utf8
        case utf16LittleEndian
        case utf16BigEndian
    }

    /// The encoding the first bytes announce, and how many bytes the mark takes.
    static func encoding(of prefix: some Collection<UInt8>) -> (Encoding, markLength: Int) {
        let bytes = Array(prefix.prefix(3))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return (.utf8, 3) }
        if bytes.starts(with: [0xFF, 0xFE]) { return (.utf16LittleEndian, 2) }
        if bytes.starts(with: [0xFE, 0xFF]) { return (.utf16BigEndian, 2) }
        return (.utf8, 0)
    }

    /// Whether a chunk of UTF-8 input holds a byte that can never be text (a C0 control other
    /// than tab, newline and carriage return, or DEL): checked while reading, so that reading
    /// stops early.
    static func hasControlByte(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index < bytes.count {
            // Eight printable ASCII bytes at a time, the rest one by one (as in `check`).
            if index + 8 <= bytes.count, isPlainASCII(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
                continue
            }
            let byte = bytes[index]
            if (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F { return true }
            index += 1
        }
        return false
    }

    /// `decode`, keeping UTF-8 text as the checked bytes (the first `count` of `bytes`, past a
    /// byte-order mark).
    static func checked(_ bytes: [UInt8], count: Int, file: String) throws -> InputFile.Content {
        let input = bytes[..<count]
        let (encoding, markLength) = encoding(of: input)
        guard encoding == .utf8 else { return .text(try decode(input, file: file)) }
        try check(utf8: input.dropFirst(markLength), file: file)
        return .utf8(bytes, markLength..<count)
    }

    /// Decodes a whole input; `file` names it in errors.
    static func decode(_ bytes: ArraySlice<UInt8>, file: String) throws -> String {
        let (encoding, markLength) = encoding(of: bytes)
        switch encoding {
        case .utf8:
            let body = bytes.dropFirst(markLength)
            try check(utf8: body, file: file)
            return String(decoding: body, as: UTF8.self)
        case .utf16LittleEndian, .utf16BigEndian:
            return try decodeUTF16(bytes.dropFirst(markLength), bigEndian: encoding == .utf16BigEndian, file: file)
        }
    }

    /// Finds the first position that is not text; throws an error naming its line and column
    /// (columns count characters, from 1). Lines and columns are counted only once a problem
    /// is found: the scan itself skips sixteen plain ASCII bytes at a time (every byte of every
    /// input passes here, and JSON is mostly indentation).
    static func check(utf8 bytes: ArraySlice<UInt8>, file: String) throws {
        try bytes.withUnsafeBufferPointer { buffer in
            guard let (index, message) = firstProblem(buffer, splitNear: buffer.count >= ObjectCollector.parallelThreshold
                                                      ? buffer.count / 2 : nil) else { return }
            var line = 1
            var lineStart = 0
            for position in 0..<index where buffer[position] == 0x0A {
                line += 1
                lineStart = position + 1
            }
            // Everything before the problem is valid UTF-8: a character per non-continuation byte.
            let column = 1 + buffer[lineStart..<index].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            throw notText(file, line, column, message, hint: buffer[index] == 0 ? utf16Hint(buffer) : "")
        }
    }

    /// `firstProblem`, with the bytes from the first character start at or after `splitNear`
    /// checked on a second thread. A scan from the beginning that finds nothing wrong before
    /// that byte arrives there (it is no UTF-8 continuation byte), and a sequence cut off by it
    /// is malformed either way, so the first problem is the one a single scan finds.
    static func firstProblem(_ buffer: UnsafeBufferPointer<UInt8>, splitNear: Int?) -> (Int, String)? {
        guard var middle = splitNear, middle > 0 else { return firstProblem(buffer) }
        while middle < buffer.count, buffer[middle] & 0xC0 == 0x80 { middle += 1 }
        guard middle < buffer.count else { return firstProblem(buffer) }
        let problems = UnsafeMutableBufferPointer<(Int, String)?>.allocate(capacity: 2)
        problems.initialize(repeating: nil)
        defer { problems.deinitialize(); problems.deallocate() }
        nonisolated(unsafe) let output = problems, input = buffer
        let halves = [0..<middle, middle..<buffer.count]
        // The same two threads (and heaps) as the decoding and compiling after it (see PairedThreads).
        PairedThreads.run { half in
            let range = halves[half]
            output[half] = firstProblem(UnsafeBufferPointer(rebasing: input[range])).map { ($0.0 + range.lowerBound, $0.1) }
        }
        return problems[0] ?? problems[1]
    }

    /// Where the first byte that cannot be text is, and what is wrong with it.
    private static func firstProblem(_ buffer: UnsafeBufferPointer<UInt8>) -> (Int, String)? {
        let count = buffer.count
        var index = 0
        // After a block of 64 that is not all plain text, its bytes take the narrower paths.
        var narrowUntil = 0
        while index < count {
            if index >= narrowUntil, index + 64 <= count {
                if isPlainText64(buffer.baseAddress! + index) {
                    index += 64
                    continue
                }
                narrowUntil = index + 64
            }
            if index + 16 <= count, isPlainText(UnsafeRawPointer(buffer.baseAddress! + index)) {
                index += 16
                continue
            }
            let byte = buffer[index]
            if byte < 0x80 {
                if (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F {
                    return (index, "byte \(hex(byte)) (\(controlName(UInt32(byte)))) cannot be text")
                }
                index += 1
                continue
            }
            guard let (scalar, length) = decodeScalar(buffer, at: index) else {
                return (index, "byte \(hex(byte)) is not valid UTF-8")
            }
            if (0x80...0x9F).contains(scalar) && scalar != 0x85 {
                return (index, "control character U+\(String(scalar, radix: 16, uppercase: true).leftPadded(4)) cannot be text")
            }
            if scalar == 0xFFFE || scalar == 0xFFFF {
                return (index, "U+\(String(scalar, radix: 16, uppercase: true)) is not a character")
            }
            index += length
        }
        return nil
    }

    /// Whether 64 bytes are printable ASCII, tabs and line breaks: a fixed loop of branch-free
    /// byte tests that LLVM turns into four 16-byte vector compares and one mask test (about
    /// one instruction a byte; the word tests below take nearly four).
    @inline(__always)
    private static func isPlainText64(_ bytes: UnsafePointer<UInt8>) -> Bool {
        var bad: UInt8 = 0
        for offset in 0..<64 {
            let byte = bytes[offset]
            // 0x20...0x7E are the bytes that become 0x21...0x7F, positive and above 0x20.
            let printable: UInt8 = Int8(truncatingIfNeeded: byte &+ 1) > 0x20 ? 1 : 0
            let tab: UInt8 = byte == 0x09 ? 1 : 0
            let lineFeed: UInt8 = byte == 0x0A ? 1 : 0
            let carriageReturn: UInt8 = byte == 0x0D ? 1 : 0
            bad |= (printable | tab | lineFeed | carriageReturn) ^ 1
        }
        return bad == 0
    }

    /// Whether sixteen bytes are printable ASCII, tabs and line breaks (JSON and YAML break
    /// lines every few dozen bytes, so line breaks must not end the fast path): two words,
    /// each byte tested at once (exact per-byte tests, no borrow between bytes).
    @inline(__always)
    private static func isPlainText(_ pointer: UnsafeRawPointer) -> Bool {
        isPlainText(pointer.loadUnaligned(as: UInt64.self)) && isPlainText(pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    @inline(__always)
    private static func isPlainText(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = zeroBytes(word & (ones &* 0xE0))
        let problems = zeroBytes(word ^ (ones &* 0x7F)) | (word & highs)
        if control == 0 { return problems == 0 }
        let breaks = zeroBytes(word ^ (ones &* 0x09)) | zeroBytes(word ^ (ones &* 0x0A)) | zeroBytes(word ^ (ones &* 0x0D))
        return (problems | (control & ~breaks)) == 0
    }

    /// The high bit of each byte of `word` that is zero.
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((word & low7) &+ low7) | word) & 0x8080_8080_8080_8080
    }

    /// Whether eight bytes are all printable ASCII (0x20-0x7E), with no tab or line break
    /// (those take the byte-wise path, which allows them).
    @inline(__always)
    private static func isPlainASCII(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let below0x20 = (word &- ones &* 0x20) & ~word & highs
        let del = word ^ (ones &* 0x7F)
        let is0x7F = (del &- ones) & ~del & highs
        return (word | below0x20 | is0x7F) & highs == 0
    }

    /// One UTF-8 sequence at `index`: its scalar and length, or nil when malformed (overlong,
    /// a surrogate, beyond U+10FFFF, truncated).
    private static func decodeScalar(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int)? {
        let lead = buffer[index]
        let length: Int
        var scalar: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; scalar = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; scalar = UInt32(lead & 0x07)
        default: return nil
        }
        guard index + length <= buffer.count else { return nil }
        for offset in 1..<length {
            let next = buffer[index + offset]
            guard next & 0xC0 == 0x80 else { return nil }
            scalar = scalar << 6 | UInt32(next & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return nil }
        return (scalar, length)
    }

    private static func decodeUTF16(_ bytes: ArraySlice<UInt8>, bigEndian: Bool, file: String) throws -> String {
        guard bytes.count % 2 == 0 else {
            throw ManifestError(file: file, message: "UTF-16 text (it starts with a byte-order mark) has an odd number of bytes")
        }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let first = UInt16(bytes[index]), second = UInt16(bytes[index + 1])
            units.append(bigEndian ? first << 8 | second : second << 8 | first)
            index += 2
        }
        var scalars = String.UnicodeScalarView()
        var line = 1, column = 1
        var iterator = units.makeIterator()
        var decoder = UTF16()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                let value = scalar.value
                if value == 0x0A {
                    line += 1
                    column = 1
                } else if (value < 0x20 && value != 0x09 && value != 0x0D) || value == 0x7F
                            || ((0x80...0x9F).contains(value) && value != 0x85) {
                    throw notText(file, line, column, "\(controlName(value)) cannot be text", hint: "")
                } else {
                    column += 1
                }
                scalars.append(scalar)
            case .emptyInput:
                break loop
            case .error:
                throw notText(file, line, column, "a lone UTF-16 surrogate is not text", hint: "")
            }
        }
        return String(scalars)
    }

    private static func notText(_ file: String, _ line: Int, _ column: Int, _ message: String, hint: String) -> ManifestError {
        ManifestError(file: file, line: line, column: column, message: "not text: \(message)\(hint)")
    }

    /// UTF-16 without a byte-order mark shows as NUL bytes next to ASCII.
    private static func utf16Hint(_ buffer: UnsafeBufferPointer<UInt8>) -> String {
        let prefix = buffer.prefix(64)
        let zeros = prefix.enumerated().filter { $0.element == 0 }
        let alternating = zeros.count * 2 >= prefix.count - 1 && Set(zeros.map { $0.offset % 2 }).count == 1
        return alternating ? " (UTF-16 text needs a byte-order mark)" : ""
    }

    private static func hex(_ byte: UInt8) -> String {
        "0x" + String(byte, radix: 16, uppercase: true).leftPadded(2)
    }

    private static func controlName(_ value: UInt32) -> String {
        switch value {
        case 0: return "NUL"
        case 0x1B: return "ESC"
        case 0x7F: return "DEL"
        default: return "control character U+" + String(value, radix: 16, uppercase: true).leftPadded(4)
        }
    }
}

extension String {
    /// Zero-padded on the left to `width`.
    func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

/// A file as read: UTF-8 text as the checked bytes, or text decoded from UTF-16.
struct InputFile {
    enum Content {
        /// Checked text: `range` of the bytes.
        case utf8([UInt8], Range<Int>)
        case text(String)
    }

    let name: String
    let content: Content

    var source: ManifestSource {
        switch content {
        case .utf8(let bytes, let range): return ManifestSource(name: name, text: String(decoding: bytes[range], as: UTF8.self))
        case .text(let text): return ManifestSource(name: name, text: text)
        }
    }
}
