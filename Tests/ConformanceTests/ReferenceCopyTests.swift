import Foundation
import TestSupport
import Testing

/// The copies under golden/ are what ../shared holds, byte for byte, and none is missing or
/// left over. Runs only where ../shared exists (a plain clone has just the copies).
@Suite(.enabled(if: FileManager.default.fileExists(atPath: ProjectPaths.shared + "/kube-proxy-v1.30/cases"),
                "../shared is not beside the project"))
struct ReferenceCopyTests {
    @Test func everyReferencedFileIsCopiedByteForByte() throws {
        let wanted = ReferenceCopies.files(under: ProjectPaths.shared)
        #expect(wanted.count == 30 * 5 + 1 + 43 * 2, "the shared data changed shape: \(wanted.count) files")
        var missing: [String] = []
        var different: [String] = []
        for file in wanted {
            let original = try Data(contentsOf: URL(fileURLWithPath: ProjectPaths.shared + "/" + file))
            guard let copy = FileManager.default.contents(atPath: ProjectPaths.golden + "/" + file) else {
                missing.append(file)
                continue
            }
            if copy != original { different.append(file) }
        }
        #expect(missing.isEmpty, "not copied (run scripts/update-golden): \(missing)")
        #expect(different.isEmpty, "differ from ../shared (run scripts/update-golden): \(different)")
    }

    @Test func noCopyIsLeftOver() {
        let copies = Set(ReferenceCopies.files(under: ProjectPaths.golden))
            .filter { FileManager.default.fileExists(atPath: ProjectPaths.golden + "/" + $0) }
        let wanted = Set(ReferenceCopies.files(under: ProjectPaths.shared))
        #expect(copies.subtracting(wanted).isEmpty, "copies of cases ../shared no longer has: \(copies.subtracting(wanted).sorted())")
    }
}
