#if canImport(Glibc)
import Glibc
#endif

/// A named network namespace this process created (`ip netns add`) and removes again.
///
/// Names carry the creating process's PID (`pp<pid>-<tag>-<n>`), so concurrent runs never
/// collide and leftovers of a crashed run can be recognised and swept.
public final class ScratchNamespace: @unchecked Sendable {
    public let namespace: NetworkNamespace
    public var name: String { namespace.name! }
    private var removed = false
    private let lock = ThreadLock()

    private nonisolated(unsafe) static var counter = 0
    private static let counterLock = ThreadLock()

    /// Creates `pp<pid>-<tag>-<n>`. `tag` should be short: names also prefix interface names.
    public init(tag: String) throws {
        let serial = ScratchNamespace.counterLock.withLock { () -> Int in
            ScratchNamespace.counter += 1
            return ScratchNamespace.counter
        }
        let name = "pp\(getpid())-\(tag)-\(serial)"
        try HostCommand.check(["ip", "netns", "add", name])
        namespace = NetworkNamespace(name: name)
        ScratchRegistry.shared.add(name)
    }

    /// Deletes the namespace (idempotent).
    public func remove() {
        let shouldRemove = lock.withLock { () -> Bool in
            defer { removed = true }
            return !removed
        }
        guard shouldRemove else { return }
        _ = try? HostCommand.run(["ip", "netns", "del", name])
        ScratchRegistry.shared.remove(name)
    }

    /// Runs `body` inside the namespace on a dedicated thread.
    public func run<T>(_ body: @escaping () throws -> T) throws -> T {
        try NamespaceThread.run(in: namespace, body)
    }

    /// Runs a command inside the namespace (`ip netns exec`).
    @discardableResult
    public func exec(_ arguments: [String], input: [UInt8] = []) throws -> HostCommand.Output {
        try HostCommand.run(["ip", "netns", "exec", name] + arguments, input: input)
    }

    deinit { remove() }

    /// Removes namespaces left behind by earlier runs whose process no longer exists.
    public static func sweepLeftovers() {
        guard let listing = try? HostCommand.run(["ip", "netns", "list"]) else { return }
        for line in listing.stdout.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix("pp"), let dash = name.firstIndex(of: "-"),
                  let pid = Int32(name[name.index(name.startIndex, offsetBy: 2)..<dash]) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                _ = try? HostCommand.run(["ip", "netns", "del", name])
            }
        }
    }

    /// Deletes every namespace this process still holds (for signal handlers and exit paths).
    public static func removeAllCreatedByThisProcess() {
        for name in ScratchRegistry.shared.names() {
            _ = try? HostCommand.run(["ip", "netns", "del", name])
            ScratchRegistry.shared.remove(name)
        }
    }
}

/// Names of the namespaces this process created and has not removed yet.
final class ScratchRegistry: @unchecked Sendable {
    static let shared = ScratchRegistry()
    private var live = Set<String>()
    private let lock = ThreadLock()

    func add(_ name: String) { lock.withLock { _ = live.insert(name) } }
    func remove(_ name: String) { lock.withLock { _ = live.remove(name) } }
    func names() -> [String] { lock.withLock { Array(live) } }
}

/// A pthread mutex usable from any thread, including namespace threads
/// (Synchronization.Mutex needs newer deployment targets on some platforms).
public final class ThreadLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    public init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
