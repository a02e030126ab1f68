import Foundation
import Synchronization
import Testing
@testable import packetpath

/// The progress line shows only for long work on a terminal, and is erased afterwards.
@Suite struct ProgressLineTests {
    final class Written: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ text: String) { lines.withLock { $0.append(text) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func longWorkOnATerminalShowsALineAndErasesIt() {
        let written = Written()
        let result = ProgressLine.during("compiling", enabled: true, after: .milliseconds(50), write: written.append) { () -> Int in
            Thread.sleep(forTimeInterval: 0.4)
            return 7
        }
        #expect(result == 7)
        #expect(written.all.first == "\r\u{1B}[Kpacketpath: compiling… 0 s")
        #expect(written.all.last == "\r\u{1B}[K")
    }

    @Test func shortWorkAndNonTerminalsShowNothing() {
        let written = Written()
        ProgressLine.during("compiling", enabled: true, after: .seconds(2), write: written.append) {}
        ProgressLine.during("compiling", enabled: false, after: .milliseconds(1), write: written.append) {
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(written.all.isEmpty)
    }
}
