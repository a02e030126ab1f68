import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs the two parts of a job at once: part 0 on the calling thread, part 1 on a helper
/// thread that is the same thread every time.
///
/// glibc's allocator gives each thread that allocates an arena of its own, and memory a
/// thread frees goes back to the arena it came from. `DispatchQueue.concurrentPerform` hands
/// the second part to whichever pool thread is free, so from phase to phase and from run to
/// run a part often allocated in an arena other than the one its predecessor had freed into:
/// the peak of compiling 10,000 Services varied by 40 MB from run to run. With the same two
/// threads throughout, each half of the work reuses the memory its own half freed.
///
/// A call made while the helper is busy (another caller, or a part that runs a pair itself)
/// runs on `concurrentPerform` instead.
public enum PairedThreads {
    /// `body(0)` on this thread and `body(1)` on the helper; returns when both have returned.
    public static func run(_ body: @Sendable (Int) -> Void) {
        let helper = Helper.shared
        guard helper.claim() else {
            DispatchQueue.concurrentPerform(iterations: 2, execute: body)
            return
        }
        defer { helper.release() }
        withoutActuallyEscaping(body) { body in
            withUnsafePointer(to: body) { body in
                helper.start(UnsafeRawPointer(body))
                body.pointee(0)
                helper.wait()
            }
        }
    }
}

/// The helper thread and its handshake: `start` hands it a job, `wait` returns once it is done.
private final class Helper: @unchecked Sendable {
    static let shared = Helper()

    /// Held by the caller whose job the helper runs (allocated: a lock must not move).
    private let busy = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let started = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// The job's `@Sendable (Int) -> Void`, on the caller's stack; written before `started` is signalled.
    private var job: UnsafeRawPointer?
    /// Whether the helper thread could be started; without it every pair runs on `concurrentPerform`.
    private let running: Bool

    private init() {
        busy.initialize(to: pthread_mutex_t())
        pthread_mutex_init(busy, nil)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { _ in
            Helper.shared.serve()
        }, nil)
        running = created == 0
        if running { pthread_detach(thread) }
    }

    func claim() -> Bool { running && pthread_mutex_trylock(busy) == 0 }

    func release() { pthread_mutex_unlock(busy) }

    func start(_ body: UnsafeRawPointer) {
        job = body
        started.signal()
    }

    func wait() { finished.wait() }

    private func serve() -> Never {
        while true {
            started.wait()
            job!.assumingMemoryBound(to: (@Sendable (Int) -> Void).self).pointee(1)
            job = nil
            finished.signal()
        }
    }
}
