#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import NetworkNamespaces

/// A pthread mutex usable from any thread, including namespace threads.
final class LabLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}

/// Teardown actions of the labs alive in this process, run by the signal handlers.
final class LabCleanupRegistry: @unchecked Sendable {
    struct Token: Hashable { let id: Int }

    static let shared = LabCleanupRegistry()
    private var actions: [Int: () -> Void] = [:]
    private var next = 0
    private let lock = LabLock()

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
/// The work runs on a Dispatch signal source, not inside a signal handler, because it spawns
/// `ip netns del` (nothing of that is async-signal-safe).
public enum LabSignalCleanup {
    private nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []
    private static let lock = LabLock()

    /// Installs the handlers once per process; later calls do nothing.
    public static func installOnce() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    LabCleanupRegistry.shared.runAll()
                    ScratchNamespace.removeAllCreatedByThisProcess()
                    signal(signalNumber, SIG_DFL)
                    raise(signalNumber)
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}
