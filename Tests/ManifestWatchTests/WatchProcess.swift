#if canImport(Glibc)
import Glibc
#endif

/// A `packetpath apply --watch` child whose stderr is read line by line as it comes.
final class WatchProcess {
    let pid: pid_t
    private let stderrFD: Int32
    private var pending: [UInt8] = []
    private(set) var lines: [String] = []
    private var exited: Int32?

    init(_ arguments: [String]) throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw WatchTestError("pipe failed") }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, arguments[0], &actions, nil, &argv, environ)
        close(ends[1])
        guard status == 0 else {
            close(ends[0])
            throw WatchTestError("cannot run \(arguments[0]): \(String(cString: strerror(status)))")
        }
        pid = child
        stderrFD = ends[0]
    }

    deinit {
        if exited == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        close(stderrFD)
    }

    /// Reads stderr until a line contains `text`; the line, or nil at end of output or after
    /// `seconds` (a guard against a hang, not a measurement).
    func waitForLine(containing text: String, seconds: Int32 = 60) -> String? {
        var checked = 0
        let deadline = time(nil) + time_t(seconds)
        while true {
            if let line = lines[checked...].first(where: { $0.contains(text) }) { return line }
            checked = lines.count
            let left = deadline - time(nil)
            guard left > 0, readSome(timeoutMilliseconds: Int32(left) * 1000) else { return nil }
        }
    }

    /// Sends `signal` and waits for the exit: the exit status, or nil when a signal killed it.
    func stop(with signal: Int32) -> Int32? {
        kill(pid, signal)
        while readSome(timeoutMilliseconds: 60_000) {}
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exited = status
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : nil
    }

    private func readSome(timeoutMilliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeoutMilliseconds) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(stderrFD, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        pending += buffer[0..<count]
        while let newline = pending.firstIndex(of: 10) {
            lines.append(String(decoding: pending[..<newline], as: UTF8.self))
            pending.removeSubrange(...newline)
        }
        return true
    }
}
