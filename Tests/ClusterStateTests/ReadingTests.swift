import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ClusterState

/// Inputs are read with a size limit and refused at their first byte that cannot be text.
@Suite struct ReadingTests {
    @Test func nulByteHasLineAndColumn() {
        #expect(FixtureFiles.error("nul-byte.yaml") == "nul-byte.yaml: line 3, column 19: not text: byte 0x00 (NUL) cannot be text")
    }

    @Test func invalidUTF8HasLineAndColumn() {
        #expect(FixtureFiles.error("bad-utf8.yaml") == "bad-utf8.yaml: line 4, column 13: not text: byte 0xFF is not valid UTF-8")
    }

    @Test func utf16WithoutAByteOrderMarkIsExplained() {
        #expect(FixtureFiles.error("utf16-no-bom.yaml")
            == "utf16-no-bom.yaml: line 1, column 2: not text: byte 0x00 (NUL) cannot be text (UTF-16 text needs a byte-order mark)")
    }

    @Test func devZeroEndsAtItsFirstByteQuickly() {
        let start = ContinuousClock.now
        #expect(throws: ManifestError(file: "/dev/zero", line: 1, column: 1, message: "not text: byte 0x00 (NUL) cannot be text")) {
            _ = try ManifestLoader.readSource("/dev/zero")
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func sizeLimit() {
        #expect(throws: ManifestError(file: FixtureFiles.path("typed-lists.yaml"),
                                      message: "larger than the input size limit of 100 bytes (--max-input-size raises it)")) {
            _ = try ManifestLoader.readSource(FixtureFiles.path("typed-lists.yaml"), maxSize: 100)
        }
        #expect(throws: ManifestError(file: "/dev/urandom", message: "larger than the input size limit of 1 KiB (--max-input-size raises it)")) {
            // An endless input stops at the limit (stat gives no size for a device).
            _ = try ManifestLoader.readSource("/dev/urandom", maxSize: 1024)
        }
    }

    @Test func directoriesAreNotFiles() {
        #expect(throws: ManifestError(file: FixtureFiles.directory, message: "is a directory")) {
            _ = try ManifestLoader.readSource(FixtureFiles.directory)
        }
    }

    /// Files of a megabyte and more are read in two halves at once; every byte lands in place,
    /// at an odd size too, and a bad byte in the second half is still found where it is.
    @Test(arguments: [1 << 20, 3_000_001])
    func largeFilesReadInHalvesWhole(size: Int) throws {
        let line = Array("# line of text, ünïcode too\n".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        while bytes.count < size { bytes += line.prefix(size - bytes.count) }
        var path = Array("/tmp/packetpath-halves-XXXXXX".utf8CString)
        let fd = mkstemp(&path)
        #expect(fd >= 0)
        let name = String(cString: path)
        defer { unlink(name) }
        // Cut at a line end, so that the last line is whole UTF-8.
        bytes = Array(bytes[..<(bytes.lastIndex(of: 0x0A)! + 1)])
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        #expect(try ManifestLoader.readSource(name).text == String(decoding: bytes, as: UTF8.self))
        let bad = bytes.count * 3 / 4
        bytes[bad] = 0xFF
        #expect(pwrite(fd, [UInt8(0xFF)], 1, off_t(bad)) == 1)
        close(fd)
        let lineNumber = 1 + bytes[..<bad].filter { $0 == 0x0A }.count
        let error = #expect(throws: ManifestError.self) { _ = try ManifestLoader.readSource(name) }
        #expect(error?.line == lineNumber)
    }
}
