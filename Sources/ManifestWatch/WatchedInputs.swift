#if canImport(Glibc)
import Glibc
#endif

/// The inputs as the commands take them — files, and directories standing for their `.yaml`,
/// `.yml` and `.json` files (recursively, sorted by path) — and the directories to watch for them.
struct WatchedInputs {
    enum Input {
        case file(String)
        case directory(prefix: String)
    }

    let inputs: [Input]
    /// Per watch: the path prefix of the names in it, when it belongs to a directory input.
    private var prefixes: [Int32: String] = [:]
    /// Per watch: the named file inputs in that directory, by base name.
    private var namedFiles: [Int32: [String: String]] = [:]

    init(_ paths: [String]) throws {
        inputs = try paths.map { path in
            guard path != "-" else { throw WatchError("standard input cannot be watched; name files or directories") }
            var info = stat()
            guard stat(path, &info) == 0 else { throw WatchError("\(path): no such file or directory") }
            if (info.st_mode & S_IFMT) == S_IFDIR { return .directory(prefix: path.hasSuffix("/") ? path : path + "/") }
            return .file(path)
        }
    }

    /// Watches the directory of every named file and every directory of the directory inputs.
    mutating func watch(with inotify: Inotify) throws {
        for input in inputs {
            switch input {
            case .file(let path):
                let slash = path.lastIndex(of: "/")
                let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
                let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
                namedFiles[try inotify.watch(directory: directory), default: [:]][name] = path
            case .directory(let prefix):
                try watchTree(prefix, with: inotify)
            }
        }
    }

    /// Watches a directory of a directory input and every directory below it (also one that
    /// appears later: its files are then picked up by `files()`).
    mutating func watchTree(_ prefix: String, with inotify: Inotify) throws {
        prefixes[try inotify.watch(directory: prefix)] = prefix
        for (name, isDirectory) in Self.entries(prefix) where isDirectory {
            try watchTree(prefix + name + "/", with: inotify)
        }
    }

    /// The path an event names, if it can concern an input (nil for other files).
    func path(of event: FileEvent) -> String? {
        if let path = namedFiles[event.watch]?[event.name] { return path }
        guard let prefix = prefixes[event.watch] else { return nil }
        if event.isDirectory || Self.isManifest(event.name) { return prefix + event.name }
        return nil
    }

    /// The prefix of a directory input's directory an event created, to watch it too.
    func newDirectory(_ event: FileEvent) -> String? {
        guard event.isDirectory, event.has(IN_CREATE) || event.has(IN_MOVED_TO), let prefix = prefixes[event.watch] else { return nil }
        return prefix + event.name + "/"
    }

    /// The input files as they are now, in load order. A named file that is gone, or a
    /// directory without manifests, contributes nothing: its objects are removed.
    func files() -> [String] {
        var result: [String] = []
        for input in inputs {
            switch input {
            case .file(let path):
                if access(path, F_OK) == 0 { result.append(path) }
            case .directory(let prefix):
                var found: [String] = []
                Self.collect(prefix, into: &found)
                result += found.sorted()
            }
        }
        return result
    }

    private static func collect(_ prefix: String, into found: inout [String]) {
        for (name, isDirectory) in entries(prefix) {
            if isDirectory {
                collect(prefix + name + "/", into: &found)
            } else if isManifest(name) {
                found.append(prefix + name)
            }
        }
    }

    static func isManifest(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json")
    }

    /// A directory's entries (not `.` and `..`), and whether each is a directory.
    private static func entries(_ directory: String) -> [(String, Bool)] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var result: [(String, Bool)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                var info = stat()
                isDirectory = lstat(directory + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            }
            result.append((name, isDirectory))
        }
        return result
    }
}
