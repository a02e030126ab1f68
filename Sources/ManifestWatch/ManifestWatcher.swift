import ClusterState
import NetfilterApply
import RuleModel
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the decoded input in memory, one entry per file, and on every change re-decodes only
/// the files that changed, joins them with the others, compiles and applies. A batch that
/// cannot be loaded is reported and not applied, so the kernel keeps the last good state.
///
/// Single-threaded: `nextBatch`/`run` on one thread; only the `stopper` may be used elsewhere.
public final class ManifestWatcher {
    public struct Configuration: Sendable {
        public var inputs: [String]
        public var load: LoadOptions
        /// A batch starts once no event came for this long (an editor's save is several events).
        public var quietPeriod: Duration
        /// …or this long after its first event, however busy the files are.
        public var maxDelay: Duration

        public init(inputs: [String], load: LoadOptions = LoadOptions(), quietPeriod: Duration = .milliseconds(50),
                    maxDelay: Duration = .seconds(1)) {
            self.inputs = inputs
            self.load = load
            self.quietPeriod = quietPeriod
            self.maxDelay = maxDelay
        }
    }

    /// A file's last read text (nil when it could not be read) and what it decoded to.
    private struct Entry {
        var text: String?
        var decoded: Result<DecodedManifest, any Error>
    }

    private let configuration: Configuration
    private let compile: (ClusterState) throws -> [Ruleset]
    private let apply: ([Ruleset]) throws -> ApplyReport
    private var inputs: WatchedInputs
    private let inotify: Inotify
    private let stopPipe: StopPipe
    private let clock = ContinuousClock()
    private var entries: [String: Entry] = [:]
    /// Paths with events not yet handled, and new files still being written (their
    /// IN_CLOSE_WRITE will tell when they are whole).
    private var changed: Set<String> = []
    private var beingWritten: Set<String> = []
    private var everything = false
    private var lastWarnings: Set<String> = []
    /// How many times a file was decoded, over the watcher's life.
    public private(set) var decodeCount = 0

    /// Starts watching at once (a change made before the first `applyAll` is not lost).
    public init(_ configuration: Configuration, compile: @escaping (ClusterState) throws -> [Ruleset],
                apply: @escaping ([Ruleset]) throws -> ApplyReport) throws {
        self.configuration = configuration
        self.compile = compile
        self.apply = apply
        inputs = try WatchedInputs(configuration.inputs)
        inotify = try Inotify()
        stopPipe = try StopPipe()
        try inputs.watch(with: inotify)
    }

    public var stopper: WatchStopper { WatchStopper(pipe: stopPipe) }

    /// Loads every file and applies the result (the first batch).
    public func applyAll() -> WatchBatch {
        process(changed: [], since: clock.now, initial: true)
    }

    /// Batches until stopped, each handed to `handle`.
    public func run(_ handle: (WatchBatch) -> Void) throws {
        while let batch = try nextBatch() { handle(batch) }
    }

    /// Waits for file events, lets them settle, and handles them as one batch. Nil when
    /// stopped (a stop never interrupts a batch: it is seen only while waiting), or when
    /// `limit` passed without any event.
    public func nextBatch(waitingAtMost limit: Duration? = nil) throws -> WatchBatch? {
        let giveUp = limit.map { clock.now + $0 }
        var firstEvent: ContinuousClock.Instant?
        var lastEvent = clock.now
        while true {
            var deadline: ContinuousClock.Instant? = giveUp
            if let first = firstEvent {
                let due = min(lastEvent + configuration.quietPeriod, first + configuration.maxDelay)
                if clock.now >= due { break }
                deadline = min(due, deadline ?? due)
            } else if let giveUp, clock.now >= giveUp {
                return nil
            }
            switch try wait(until: deadline) {
            case .stopped:
                return nil
            case .timedOut:
                continue
            case .events:
                let now = clock.now
                if try note(inotify.read()) {
                    lastEvent = now
                    if firstEvent == nil { firstEvent = now }
                }
            }
        }
        let batch = process(changed: changed, since: firstEvent!, initial: everything)
        changed.removeAll()
        everything = false
        return batch
    }

    /// Records events; true when one can change the input.
    private func note(_ events: [FileEvent]) throws -> Bool {
        var relevant = false
        for event in events {
            if event.isOverflow {
                everything = true
                relevant = true
                continue
            }
            if let directory = inputs.newDirectory(event) { try? inputs.watchTree(directory, with: inotify) }
            guard let path = inputs.path(of: event) else { continue }
            if event.has(IN_CREATE) && !event.isDirectory && Self.isFreshFile(path) {
                // Created and still open for writing: wait for its IN_CLOSE_WRITE.
                beingWritten.insert(path)
                continue
            }
            beingWritten.remove(path)
            changed.insert(path)
            relevant = true
        }
        return relevant
    }

    /// A new regular file with one link (not a link or a directory, which are whole at once).
    private static func isFreshFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && info.st_nlink == 1
    }

    private enum Wake { case events, stopped, timedOut }

    private func wait(until deadline: ContinuousClock.Instant?) throws -> Wake {
        var descriptors = [pollfd(fd: stopPipe.readEnd, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: inotify.fd, events: Int16(POLLIN), revents: 0)]
        var timeout: Int32 = -1
        if let deadline {
            let left = clock.now.duration(to: deadline)
            let (seconds, attoseconds) = left.components
            timeout = left <= .zero ? 0 : Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        }
        let ready = poll(&descriptors, 2, timeout)
        if ready < 0 {
            if errno == EINTR { return .timedOut }
            throw WatchError("cannot wait for file events: \(String(cString: strerror(errno)))")
        }
        if descriptors[0].revents != 0 { return .stopped }
        return descriptors[1].revents != 0 ? .events : .timedOut
    }

    /// Re-reads the changed files (all of them when `initial`) and applies the joined state if
    /// anything differs and everything loads.
    private func process(changed: Set<String>, since start: ContinuousClock.Instant, initial: Bool) -> WatchBatch {
        var batch = WatchBatch()
        handle(changed: changed, initial: initial, into: &batch)
        batch.timings.sinceEvent = start.duration(to: clock.now)
        return batch
    }

    private func handle(changed: Set<String>, initial: Bool, into batch: inout WatchBatch) {
        let files = inputs.files()
        let present = Set(files)
        batch.removed = entries.keys.filter { !present.contains($0) }.sorted()
        for path in batch.removed { entries[path] = nil }

        let decodeStart = clock.now
        for path in files where initial || entries[path] == nil || changed.contains(path) {
            let source: ManifestSource
            do {
                source = try ManifestLoader.readSource(path, maxSize: configuration.load.maxInputSize)
            } catch {
                if access(path, F_OK) != 0 {
                    // Gone since it was listed: its objects go with it.
                    if entries.removeValue(forKey: path) != nil { batch.removed.append(path) }
                    continue
                }
                entries[path] = Entry(text: nil, decoded: .failure(error))
                batch.decoded.append(path)
                continue
            }
            if let text = entries[path]?.text, Self.sameBytes(text, source.text) { continue }
            decodeCount += 1
            batch.decoded.append(path)
            entries[path] = Entry(text: source.text,
                                  decoded: Result { try ManifestLoader.decode(source, options: configuration.load) })
        }
        batch.timings.decode = decodeStart.duration(to: clock.now)
        if batch.decoded.isEmpty && batch.removed.isEmpty && !initial { return }
        // Every input gone (a deleted or moved directory, say) is far likelier a mistake than a
        // node that should lose all its Services: keep what was applied; reset does the other.
        if entries.isEmpty && !initial {
            batch.outcome = .invalid(["no input file is left: the rules applied last stay (packetpath reset removes them)"])
            return
        }

        var decoded: [DecodedManifest] = []
        var errors: [String] = []
        for path in files {
            guard let entry = entries[path] else { continue }
            switch entry.decoded {
            case .success(let file): decoded.append(file)
            case .failure(let error): errors.append("\(error)")
            }
        }
        let loaded: LoadedCluster
        do {
            guard errors.isEmpty else { throw InvalidInput() }
            let joinStart = clock.now
            loaded = try ManifestLoader.join(decoded, options: configuration.load)
            batch.timings.decode += joinStart.duration(to: clock.now)
        } catch is InvalidInput {
            batch.outcome = .invalid(errors)
            return
        } catch {
            batch.outcome = .invalid(["\(error)"])
            return
        }

        let compileStart = clock.now
        let rulesets: [Ruleset]
        do {
            rulesets = try compile(loaded.state)
        } catch {
            batch.outcome = .failed("\(error)")
            return
        }
        batch.timings.compile = compileStart.duration(to: clock.now)
        let applyStart = clock.now
        do {
            let report = try apply(rulesets)
            batch.outcome = .applied(report, rules: rulesets.reduce(0) { $0 + $1.ruleCount })
        } catch {
            batch.outcome = .failed("\(error)")
        }
        batch.timings.apply = applyStart.duration(to: clock.now)
        // Warnings are reported once, when they first appear.
        let current = Set(loaded.warnings.map(\.description))
        batch.warnings = loaded.warnings.filter { !lastWarnings.contains($0.description) }
        lastWarnings = current
    }

    private struct InvalidInput: Error {}

    /// Byte equality (String's == compares canonical equivalence, which a decoder need not).
    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }
}
