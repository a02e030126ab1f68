import CLinuxShims
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program and collects its exit status and output.
///
/// Uses posix_spawn and waitpid directly: Foundation's Process was seen to hang when first
/// used from a thread inside a fresh namespace. A child inherits the calling thread's
/// network namespace, so a command started from `NamespaceThread.run` runs inside it.
public enum HostCommand {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String

        public var succeeded: Bool { status == 0 }
    }

    /// Runs `arguments[0]` (searched in PATH) with the rest as arguments, feeding `input` to
    /// its standard input.
    public static func run(_ arguments: [String], input: [UInt8] = []) throws -> Output {
        precondition(!arguments.isEmpty)
        var stdinPipe: [Int32] = [0, 0]
        var stdoutPipe: [Int32] = [0, 0]
        var stderrPipe: [Int32] = [0, 0]
        guard pp_pipe_cloexec(&stdinPipe) == 0, pp_pipe_cloexec(&stdoutPipe) == 0,
              pp_pipe_cloexec(&stderrPipe) == 0 else {
            throw NamespaceError("cannot create pipes for \(arguments[0])")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard status == 0 else {
            close(stdinPipe[1]); close(stdoutPipe[0]); close(stderrPipe[0])
            throw NamespaceError("cannot run \(arguments[0]): \(String(cString: strerror(status)))")
        }

        // Feed stdin from a helper thread while this one drains stdout and stderr, so that
        // neither side blocks on a full pipe.
        let writer = InputWriter(fd: stdinPipe[1], bytes: input)
        var writerThread = pthread_t()
        let unmanaged = Unmanaged.passRetained(writer)
        pthread_create(&writerThread, nil, { raw in
            Unmanaged<InputWriter>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, unmanaged.toOpaque())
        let (out, err) = drain(stdoutPipe[0], stderrPipe[0])
        pthread_join(writerThread, nil)

        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
        let exitCode: Int32 = (waitStatus & 0x7f) == 0 ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        return Output(status: exitCode, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }

    /// Runs the command and throws, with its stderr, when it fails.
    @discardableResult
    public static func check(_ arguments: [String], input: [UInt8] = []) throws -> String {
        let output = try run(arguments, input: input)
        guard output.succeeded else {
            let detail = output.stderr.split(separator: "\n").first.map(String.init) ?? "exit status \(output.status)"
            throw NamespaceError("\(arguments.joined(separator: " ")): \(detail)")
        }
        return output.stdout
    }

    private static func drain(_ outFD: Int32, _ errFD: Int32) -> ([UInt8], [UInt8]) {
        var out: [UInt8] = []
        var err: [UInt8] = []
        var fds = [pollfd(fd: outFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)]
        var open = 2
        var chunk = [UInt8](repeating: 0, count: 65536)
        while open > 0 {
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in 0..<2 where fds[index].fd >= 0 && fds[index].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, 65536) }
                if count > 0 {
                    if index == 0 { out += chunk[0..<count] } else { err += chunk[0..<count] }
                } else if count == 0 || errno != EINTR {
                    close(fds[index].fd)
                    fds[index].fd = -1
                    open -= 1
                }
            }
        }
        return (out, err)
    }
}

private final class InputWriter: @unchecked Sendable {
    let fd: Int32
    let bytes: [UInt8]

    init(fd: Int32, bytes: [UInt8]) {
        self.fd = fd
        self.bytes = bytes
    }

    func run() {
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
