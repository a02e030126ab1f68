import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A line on stderr saying what is going on, for work that takes longer than 2 s, and only when
/// stderr is a terminal (never in pipes, logs or tests). It is erased when the work ends.
enum ProgressLine {
    static func during<T>(_ what: String, quiet: Bool, _ body: () throws -> T) rethrows -> T {
        try during(what, enabled: !quiet && isatty(2) == 1, after: .seconds(2), write: writeError, body)
    }

    /// The mechanism, with the terminal check, the delay and the output given (for tests).
    static func during<T>(_ what: String, enabled: Bool, after delay: DispatchTimeInterval,
                          write: @escaping @Sendable (String) -> Void, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let queue = DispatchQueue(label: "packetpath.progress")
        let timer = DispatchSource.makeTimerSource(queue: queue)
        nonisolated(unsafe) var shown = false
        let start = ContinuousClock.now
        timer.schedule(deadline: .now() + delay, repeating: 1)
        timer.setEventHandler {
            let seconds = (ContinuousClock.now - start).components.seconds
            write("\r\u{1B}[Kpacketpath: \(what)… \(seconds) s")
            shown = true
        }
        timer.resume()
        defer {
            timer.cancel()
            // Wait for a handler that may be running, then erase the line it wrote.
            queue.sync {
                if shown { write("\r\u{1B}[K") }
            }
        }
        return try body()
    }

    @Sendable private static func writeError(_ text: String) {
        var text = text
        text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
