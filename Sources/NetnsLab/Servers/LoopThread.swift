import CLinuxShims
#if canImport(Glibc)
import Glibc
#endif

/// A plain pthread running one closure, joined explicitly. The lab's poll loops run on these
/// rather than on Swift concurrency's pool, which they would block.
final class LoopThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var joined = false

    init(_ body: @escaping () -> Void) throws {
        let box = Unmanaged.passRetained(ClosureBox(body))
        let status = pthread_create(&thread, nil, { raw in
            Unmanaged<ClosureBox>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, box.toOpaque())
        guard status == 0 else {
            box.release()
            throw LabError("cannot start a thread: \(String(cString: strerror(status)))")
        }
    }

    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }
}

private final class ClosureBox: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// A pipe whose read end wakes a poll loop.
final class WakeupPipe: @unchecked Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pp_pipe_cloexec(&fds) == 0 else { throw SocketError("pipe") }
        readEnd = fds[0]
        writeEnd = fds[1]
        _ = fcntl(readEnd, F_SETFL, O_NONBLOCK)
        _ = fcntl(writeEnd, F_SETFL, O_NONBLOCK)
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }
}
