#if canImport(Glibc)
import Glibc
#endif

/// What inotify reported for one name in a watched directory.
struct FileEvent {
    /// The watch the event came from (a directory).
    let watch: Int32
    let name: String
    let mask: UInt32

    var isDirectory: Bool { mask & UInt32(IN_ISDIR) != 0 }
    /// The kernel's queue overflowed: events were lost, so anything may have changed.
    var isOverflow: Bool { mask & UInt32(IN_Q_OVERFLOW) != 0 }
    func has(_ flag: Int32) -> Bool { mask & UInt32(flag) != 0 }
}

/// An inotify descriptor watching directories (not files: editors replace a file by renaming
/// another over it, which a watch on the old file would never see).
final class Inotify {
    let fd: Int32
    /// Writes finished, files renamed in or out, created and deleted.
    static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ONLYDIR)

    init() throws {
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw WatchError("cannot start inotify: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Watches a directory; the same directory twice gives the same watch.
    func watch(directory: String) throws -> Int32 {
        let watch = inotify_add_watch(fd, directory, Self.mask)
        guard watch >= 0 else { throw WatchError("cannot watch \(directory): \(String(cString: strerror(errno)))") }
        return watch
    }

    /// Every event queued now (none when nothing is queued).
    func read() throws -> [FileEvent] {
        var events: [FileEvent] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { return events }
                throw WatchError("cannot read inotify events: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return events }
            buffer.withUnsafeBytes { raw in
                // struct inotify_event: wd, mask, cookie, len, then len bytes of NUL-padded name.
                var offset = 0
                while offset + 16 <= count {
                    let watch = raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = raw[(offset + 16)..<min(offset + 16 + length, count)].prefix { $0 != 0 }
                    events.append(FileEvent(watch: watch, name: String(decoding: nameBytes, as: UTF8.self), mask: mask))
                    offset += 16 + length
                }
            }
        }
    }
}

/// A pipe whose read end turns readable once `stop` was called: the watcher polls it beside
/// inotify, so a stop request wakes it without interrupting anything.
final class StopPipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw WatchError("cannot create a pipe: \(String(cString: strerror(errno)))") }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    func stop() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }
}

/// Ends a watcher's loop between batches; safe to call from any thread (a signal handler's
/// queue), any number of times.
public struct WatchStopper: Sendable {
    let pipe: StopPipe

    public func stop() { pipe.stop() }
}

/// A watcher that could not start or read its events.
public struct WatchError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
