#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims
import NetworkNamespaces

/// Teardown actions of the labs alive in this process, run by the signal handlers.
final class LabCleanupRegistry: @unchecked Sendable {
    struct Token: Hashable { let id: Int }

    static let shared = LabCleanupRegistry()
    private var actions: [Int: () -> Void] = [:]
    private var next = 0
    private let lock = ThreadLock()

    func register(_ action: @escaping () -> Void) -> Token {
        lock.withLock {
            next += 1
            actions[next] = action
            return Token(id: next)
        }
    }

    func unregister(_ token: Token) {
        _ = lock.withLock { actions.removeValue(forKey: token.id) }
    }

    /// Runs and forgets every registered action.
    func runAll() {
        let pending = lock.withLock { () -> [() -> Void] in
            defer { actions.removeAll() }
            return Array(actions.values)
        }
        for action in pending { action() }
    }
}

/// SIGINT/SIGTERM/SIGHUP handling: remove every lab namespace, then die of the same signal.
///
/// The handler itself only writes the signal number to a pipe (async-signal-safe); a
/// watcher thread reads it, runs the teardowns (which spawn `ip netns del`), restores the
/// default action and raises the signal again. (A Dispatch signal source was tried first: on
/// Linux it misses signals delivered to threads that do not block them.)
public enum LabSignalCleanup {
    private nonisolated(unsafe) static var writeEnd: Int32 = -1
    private nonisolated(unsafe) static var watcher: LoopThread?
    private static let lock = ThreadLock()

    /// Installs the handlers once per process; later calls do nothing.
    public static func installOnce() {
        lock.withLock {
            guard watcher == nil else { return }
            var fds: [Int32] = [0, 0]
            guard pp_pipe_cloexec(&fds) == 0 else { return }
            let readEnd = fds[0]
            writeEnd = fds[1]
            watcher = try? LoopThread {
                // A parent may have spawned us with these signals blocked (test runners do);
                // threads inherit that mask, so this thread takes them instead.
                var handled = sigset_t()
                sigemptyset(&handled)
                for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&handled, signalNumber) }
                pthread_sigmask(SIG_UNBLOCK, &handled, nil)
                var signalNumber: UInt8 = 0
                while read(readEnd, &signalNumber, 1) != 1 {
                    if errno != EINTR { return }
                }
                LabCleanupRegistry.shared.runAll()
                ScratchNamespace.removeAllCreatedByThisProcess()
                signal(Int32(signalNumber), SIG_DFL)
                raise(Int32(signalNumber))
            }
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
                signal(signalNumber) { received in
                    var byte = UInt8(truncatingIfNeeded: received)
                    _ = write(LabSignalCleanup.writeEnd, &byte, 1)
                }
            }
        }
    }
}
