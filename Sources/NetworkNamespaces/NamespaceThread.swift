import CLinuxShims
#if canImport(Glibc)
import Glibc
#endif

/// Runs work inside a network namespace on a thread of its own.
///
/// `setns` switches only the calling thread, so doing it on a shared thread (a Swift
/// concurrency pool thread, say) would carry the namespace into unrelated work. Here a fresh
/// pthread enters the namespace, runs `body` and exits; sockets opened by `body` stay in that
/// namespace for their whole life, whichever thread uses them later.
public enum NamespaceThread {
    public static func run<T>(in namespace: NetworkNamespace, _ body: @escaping () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let context = ThreadContext {
            let fd = open(namespace.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                box.result = .failure(NamespaceError(
                    "cannot open network namespace \(namespace): \(String(cString: strerror(errno)))"))
                return
            }
            defer { close(fd) }
            guard pp_setns_net(fd) == 0 else {
                let reason = errno == EPERM
                    ? "permission denied (entering a network namespace needs CAP_SYS_ADMIN; run as root)"
                    : String(cString: strerror(errno))
                box.result = .failure(NamespaceError("cannot enter network namespace \(namespace): \(reason)"))
                return
            }
            box.result = Result { try body() }
        }
        try startAndJoin(context)
        return try box.result!.get()
    }

    /// Runs `body` on a fresh thread inside a new, empty network namespace that disappears
    /// when the thread exits and nothing else holds it (a scratch namespace for tests).
    public static func runInNewNamespace<T>(_ body: @escaping () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let context = ThreadContext {
            guard pp_unshare_net() == 0 else {
                box.result = .failure(NamespaceError(
                    "cannot create a network namespace: \(String(cString: strerror(errno)))"))
                return
            }
            box.result = Result { try body() }
        }
        try startAndJoin(context)
        return try box.result!.get()
    }

    private static func startAndJoin(_ context: ThreadContext) throws {
        let unmanaged = Unmanaged.passRetained(context)
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let context = Unmanaged<ThreadContext>.fromOpaque(raw!).takeRetainedValue()
            context.body()
            return nil
        }, unmanaged.toOpaque())
        guard status == 0 else {
            unmanaged.release()
            throw NamespaceError("cannot start a namespace thread: \(String(cString: strerror(status)))")
        }
        pthread_join(thread, nil)
    }
}

private final class ThreadContext: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// Written by the namespace thread, read after it was joined.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
