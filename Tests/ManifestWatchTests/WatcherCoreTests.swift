import ClusterState
import ManifestWatch
import NetfilterApply
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The watcher against the in-memory kernel (no root): real files and real inotify events, one
/// batch at a time.
@Suite struct WatcherCoreTests {
    @Test func writingOneFileRedecodesOnlyItAndAppliesOnce() throws {
        let directory = try ManifestDirectory()
        let watch = try FakeWatch([directory.path])
        let first = watch.watcher.applyAll()
        #expect(first.succeeded)
        #expect(watch.watcher.decodeCount == 2)
        #expect(watch.kernel.commits == 1)

        try directory.write(directory.endpoints, ManifestDirectory.slice(["10.244.1.10", "10.244.2.20"]))
        let batch = try watch.next()
        #expect(batch.decoded == [directory.endpoints])
        #expect(batch.removed.isEmpty)
        #expect(watch.watcher.decodeCount == 3)
        #expect(watch.applies.value == 2)
        #expect(watch.kernel.commits == 2)
        guard case .applied(let report, _) = batch.outcome else {
            Issue.record("not applied: \(batch.outcome)")
            return
        }
        #expect(report.changedAnything)
        // What the kernel holds is what a one-shot apply of the files as they are now gives.
        let fresh = try FakeKernel.freshlyApplied([directory.endpoints, directory.services])
        #expect(try watch.kernel.rulesText() == fresh.rulesText())
    }

    @Test func aFileReplacedByRenameCountsAsOneChange() throws {
        let directory = try ManifestDirectory()
        let watch = try FakeWatch([directory.services, directory.endpoints])
        #expect(watch.watcher.applyAll().succeeded)
        try directory.replace(directory.endpoints, ManifestDirectory.slice(["10.244.3.30"]))
        let batch = try watch.next()
        #expect(batch.decoded == [directory.endpoints])
        #expect(watch.kernel.commits == 2)
        let fresh = try FakeKernel.freshlyApplied([directory.services, directory.endpoints])
        #expect(try watch.kernel.rulesText() == fresh.rulesText())
    }

    @Test func anUnchangedRewriteSendsNothing() throws {
        let directory = try ManifestDirectory()
        let watch = try FakeWatch([directory.path])
        #expect(watch.watcher.applyAll().succeeded)
        let before = try watch.kernel.rulesText()

        // The same bytes: not even decoded.
        try directory.write(directory.services, ManifestDirectory.service)
        let same = try watch.next()
        #expect(same.decoded.isEmpty)
        guard case .unchanged = same.outcome else {
            Issue.record("expected nothing to do: \(same.outcome)")
            return
        }
        #expect(watch.watcher.decodeCount == 2)
        #expect(watch.applies.value == 1)

        // Other bytes, the same objects: decoded and compiled, but the applier sends nothing.
        try directory.write(directory.services, "# a comment\n" + ManifestDirectory.service)
        let comment = try watch.next()
        #expect(comment.decoded == [directory.services])
        guard case .applied(let report, _) = comment.outcome else {
            Issue.record("not applied: \(comment.outcome)")
            return
        }
        #expect(!report.changedAnything)
        #expect(watch.kernel.commits == 1)
        #expect(try watch.kernel.rulesText() == before)
    }

    @Test func aBadEditKeepsTheLastGoodStateAndSaysWhere() throws {
        let directory = try ManifestDirectory()
        let watch = try FakeWatch([directory.path])
        #expect(watch.watcher.applyAll().succeeded)
        let before = try watch.kernel.rulesText()

        try directory.write(directory.services, ManifestDirectory.service.replacingPort(with: "port: \"80\""))
        let bad = try watch.next()
        #expect(bad.decoded == [directory.services])
        guard case .invalid(let errors) = bad.outcome else {
            Issue.record("a bad edit was not refused: \(bad.outcome)")
            return
        }
        #expect(errors.count == 1)
        #expect(errors.first?.contains(directory.services) == true, "\(errors)")
        #expect(errors.first?.contains("port") == true, "\(errors)")
        #expect(watch.applies.value == 1)
        #expect(try watch.kernel.rulesText() == before)

        // An edit to the other file while this one is broken is not applied either: that
        // state would be neither the old one nor the files' own.
        try directory.write(directory.endpoints, ManifestDirectory.slice(["10.244.9.9"]))
        let meanwhile = try watch.next()
        #expect(meanwhile.decoded == [directory.endpoints])
        #expect(!meanwhile.succeeded)
        #expect(watch.applies.value == 1)

        try directory.write(directory.services, ManifestDirectory.service)
        let fixed = try watch.next()
        #expect(fixed.succeeded)
        #expect(watch.applies.value == 2)
        let fresh = try FakeKernel.freshlyApplied([directory.endpoints, directory.services])
        #expect(try watch.kernel.rulesText() == fresh.rulesText())
    }

    @Test func aDeletedFileRemovesItsObjects() throws {
        let directory = try ManifestDirectory()
        let watch = try FakeWatch([directory.path])
        #expect(watch.watcher.applyAll().succeeded)
        let withEndpoints = try watch.kernel.rulesText()
        #expect(unlink(directory.endpoints) == 0)
        let batch = try watch.next()
        #expect(batch.removed == [directory.endpoints])
        #expect(batch.decoded.isEmpty)
        #expect(batch.succeeded)
        let fresh = try FakeKernel.freshlyApplied([directory.services])
        #expect(try watch.kernel.rulesText() == fresh.rulesText())
        #expect(try watch.kernel.rulesText() != withEndpoints)
    }

    /// All inputs gone is refused: the kernel keeps the last good rules, and the files coming
    /// back are read again.
    @Test func everyFileGoneKeepsTheRules() throws {
        let directory = try ManifestDirectory()
        let watch = try FakeWatch([directory.path])
        #expect(watch.watcher.applyAll().succeeded)
        let applied = try watch.kernel.rulesText()
        #expect(unlink(directory.endpoints) == 0 && unlink(directory.services) == 0)
        let batch = try watch.next()
        guard case .invalid(let reasons) = batch.outcome else {
            Issue.record("expected the empty input to be refused, got \(batch.outcome)")
            return
        }
        #expect(reasons.joined().contains("no input file is left"))
        #expect(try watch.kernel.rulesText() == applied)
        #expect(watch.applies.value == 1)
    }

    @Test func aNewFileInTheDirectoryIsRead() throws {
        let directory = try ManifestDirectory()
        #expect(unlink(directory.endpoints) == 0)
        let watch = try FakeWatch([directory.path])
        #expect(watch.watcher.applyAll().succeeded)
        try directory.write(directory.endpoints, ManifestDirectory.slice(["10.244.1.10"]))
        let batch = try watch.next()
        #expect(batch.decoded == [directory.endpoints])
        let fresh = try FakeKernel.freshlyApplied([directory.endpoints, directory.services])
        #expect(try watch.kernel.rulesText() == fresh.rulesText())
    }

    @Test func aStopEndsTheWaitWithoutABatch() throws {
        let directory = try ManifestDirectory()
        let watch = try FakeWatch([directory.path])
        #expect(watch.watcher.applyAll().succeeded)
        watch.watcher.stopper.stop()
        #expect(try watch.watcher.nextBatch() == nil)
        #expect(watch.applies.value == 1)
    }
}

extension String {
    func replacingPort(with replacement: String) -> String {
        var text = self
        if let range = text.range(of: "port: 80") { text.replaceSubrange(range, with: replacement) }
        return text
    }
}
