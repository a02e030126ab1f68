import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

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
    /// `body(0)` on this thread and `body(1)` on the process's helper; returns when both have returned.
    public static func run(_ body: @Sendable (Int) -> Void) {
        HelperThread.shared.run(body)
    }

    /// `body` on the process's helper, returning at once; nil when the helper is busy (the
    /// caller then runs it elsewhere). For work the caller joins later, not at a pair's end.
    public static func start(_ body: @escaping @Sendable () -> Void) -> HelperThread.Started? {
        HelperThread.shared.start(body)
    }
}

/// One helper thread and its handshake. The process shares one (`shared`); a test makes its
/// own so that no other caller can keep it busy. The thread lives as long as the process.
public final class HelperThread: @unchecked Sendable {
    static let shared = HelperThread()

    /// Set by the caller whose job the helper runs, until that job is joined.
    private let busy = Atomic<Bool>(false)
    private let started = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// The job's `@Sendable (Int) -> Void` (on the caller's stack, or a `Started`'s slot);
    /// written before `started` is signalled.
    private var job: UnsafeRawPointer?
    /// Whether the thread could be started; without it every pair runs on `concurrentPerform`.
    public private(set) var running = false

    public init() {
        var thread = pthread_t()
        // The thread keeps its helper alive: it waits on the helper's semaphores forever.
        let helper = Unmanaged.passRetained(self)
        let created = pthread_create(&thread, nil, { context in
            Unmanaged<HelperThread>.fromOpaque(context!).takeUnretainedValue().serve()
        }, helper.toOpaque())
        running = created == 0
        if running { pthread_detach(thread) } else { helper.release() }
    }

    /// `body(0)` on this thread and `body(1)` on this helper, or both on `concurrentPerform`
    /// when the helper is busy or has no thread.
    public func run(_ body: @Sendable (Int) -> Void) {
        guard claim() else {
            DispatchQueue.concurrentPerform(iterations: 2, execute: body)
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            withUnsafePointer(to: body) { body in
                job = UnsafeRawPointer(body)
                started.signal()
                body.pointee(0)
                finished.wait()
            }
        }
    }

    /// A job `start` handed to the helper; `wait` (or the handle's end) joins it.
    public final class Started: @unchecked Sendable {
        private let helper: HelperThread
        /// The job, where the helper reads it until it has returned; nil once joined.
        private var slot: UnsafeMutablePointer<@Sendable (Int) -> Void>?

        fileprivate init(_ helper: HelperThread, _ body: @escaping @Sendable (Int) -> Void) {
            self.helper = helper
            let slot = UnsafeMutablePointer<@Sendable (Int) -> Void>.allocate(capacity: 1)
            slot.initialize(to: body)
            self.slot = slot
            helper.job = UnsafeRawPointer(slot)
            helper.started.signal()
        }

        /// Returns once the job has returned; the helper is then free again. Only the first call waits.
        public func wait() {
            guard let slot else { return }
            helper.finished.wait()
            slot.deinitialize(count: 1)
            slot.deallocate()
            self.slot = nil
            helper.busy.store(false, ordering: .releasing)
        }

        deinit { wait() }
    }

    /// `body` on this helper, returning at once; nil when the helper is busy or has no thread.
    public func start(_ body: @escaping @Sendable () -> Void) -> Started? {
        guard claim() else { return nil }
        return Started(self) { _ in body() }
    }

    private func claim() -> Bool {
        running && busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    }

    private func serve() -> Never {
        while true {
            started.wait()
            job!.assumingMemoryBound(to: (@Sendable (Int) -> Void).self).pointee(1)
            job = nil
            finished.signal()
        }
    }
}
