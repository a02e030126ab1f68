import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import PairedThreads
import Synchronization
import Testing

@Suite struct PairedThreadsTests {
    /// The threads each part ran on, by part.
    private final class Threads: Sendable {
        let ids = Mutex<[Int: pthread_t]>([:])
        func record(_ part: Int) { ids.withLock { $0[part] = pthread_self() } }
        var recorded: [Int: pthread_t] { ids.withLock { $0 } }
    }

    // Each test has a helper of its own: the process's shared one may be busy with another
    // test's pair, and then the pair runs on `concurrentPerform`, as it should.
    @Test func partZeroRunsHereAndPartOneOnTheSameHelperEveryTime() {
        let pair = HelperThread()
        #expect(pair.running)
        var helpers: [pthread_t] = []
        for _ in 0..<5 {
            let threads = Threads()
            pair.run { threads.record($0) }
            let seen = threads.recorded
            #expect(seen.count == 2)
            #expect(seen[0].map { pthread_equal($0, pthread_self()) != 0 } == true)
            if let helper = seen[1] {
                #expect(pthread_equal(helper, pthread_self()) == 0)
                helpers.append(helper)
            }
        }
        #expect(helpers.count == 5)
        #expect(helpers.allSatisfy { pthread_equal($0, helpers[0]) != 0 })
    }

    @Test func aPairStartedWhileTheHelperIsBusyStillRunsBothParts() {
        let inner = Mutex<[Int]>([])
        let outer = Mutex<[Int]>([])
        let pair = HelperThread()
        pair.run { part in
            outer.withLock { $0.append(part) }
            guard part == 0 else { return }
            pair.run { innerPart in inner.withLock { $0.append(innerPart) } }
        }
        #expect(outer.withLock { $0.sorted() } == [0, 1])
        #expect(inner.withLock { $0.sorted() } == [0, 1])
    }

    @Test func theSharedHelperRunsBothParts() {
        let parts = Mutex<[Int]>([])
        PairedThreads.run { part in parts.withLock { $0.append(part) } }
        #expect(parts.withLock { $0.sorted() } == [0, 1])
    }

    @Test func aStartedJobRunsOnTheHelperAndHoldsItUntilJoined() {
        let pair = HelperThread()
        let threads = Threads()
        pair.run { threads.record($0) }
        let helper = threads.recorded[1]
        let ran = Mutex<pthread_t?>(nil)
        let release = DispatchSemaphore(value: 0)
        let started = pair.start {
            release.wait()
            ran.withLock { $0 = pthread_self() }
        }
        #expect(started != nil)
        // Busy until joined: a second start is refused, a pair falls back and still runs both parts.
        #expect(pair.start {} == nil)
        let parts = Mutex<[Int]>([])
        pair.run { part in parts.withLock { $0.append(part) } }
        #expect(parts.withLock { $0.sorted() } == [0, 1])
        release.signal()
        started?.wait()
        #expect(ran.withLock { $0 }.map { job in helper.map { pthread_equal(job, $0) != 0 } } == true)
        started?.wait()  // a second wait returns at once
        #expect(pair.start {} != nil)
    }

    @Test func aStartedJobIsJoinedWhenItsHandleEnds() {
        let pair = HelperThread()
        let finished = Mutex(false)
        do {
            _ = pair.start {
                usleep(20_000)
                finished.withLock { $0 = true }
            }
        }
        #expect(finished.withLock { $0 })
    }
}
