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
}
