#if canImport(Glibc)
import Glibc
#endif
import PairedThreads

/// One input: a file's name (for messages) and its text.
public struct ManifestSource: Sendable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// The result of loading manifests: the validated state, and warnings about what was skipped.
public struct LoadedCluster: Sendable {
    public var state: ClusterState
    public var warnings: [ManifestWarning]
}

/// How inputs are read and which node they are compiled for.
public struct LoadOptions: Sendable {
    /// Inputs larger than this many bytes are refused (kubectl output of a large cluster is
    /// tens of megabytes; a device or a wrong file should not fill memory).
    public var maxInputSize: Int
    /// The Node to compile for when the input holds several (`--node`).
    public var nodeName: String?
    /// Leave Services that share a cluster IP to the caller (lint reports them as findings)
    /// instead of refusing the input as the API server would.
    public var allowSharedClusterIPs: Bool

    public static let defaultMaxInputSize = 256 << 20

    public init(maxInputSize: Int = LoadOptions.defaultMaxInputSize, nodeName: String? = nil,
                allowSharedClusterIPs: Bool = false) {
        self.maxInputSize = maxInputSize
        self.nodeName = nodeName
        self.allowSharedClusterIPs = allowSharedClusterIPs
    }
}

/// Reads multi-document YAML or JSON (including `kind: List` and typed lists), decodes the
/// kinds PacketPath uses, applies API defaults, validates, and resolves the node settings. Any
/// error stops the load: no partial state is ever returned.
public enum ManifestLoader {
    /// Loads files; `-` reads standard input. Each is read from the bytes read (no String is
    /// made of a JSON stream: it is read as bytes anyway).
    public static func load(paths: [String], options: LoadOptions = LoadOptions()) throws -> LoadedCluster {
        let inputs = try paths.map { try readInput($0, maxSize: options.maxInputSize) }
        var collector = ObjectCollector(options: options)
        for input in inputs {
            try collector.read(input)
        }
        return try collector.finish()
    }

    public static func load(sources: [ManifestSource], options: LoadOptions = LoadOptions()) throws -> LoadedCluster {
        var collector = ObjectCollector(options: options)
        for source in sources {
            try collector.read(source)
        }
        return try collector.finish()
    }

    /// Reads a file (`-`: standard input) as text, refusing it past `maxSize` bytes or at its
    /// first byte that cannot be text, without reading further.
    public static func readSource(_ path: String, maxSize: Int = LoadOptions.defaultMaxInputSize) throws -> ManifestSource {
        try readInput(path, maxSize: maxSize).source
    }

    /// `readSource`, with UTF-8 text kept as the bytes read.
    static func readInput(_ path: String, maxSize: Int) throws -> InputFile {
        let name = path == "-" ? "<stdin>" : path
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ManifestError(file: name, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { if fd != 0 { close(fd) } }
        var info = stat()
        if fstat(fd, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw ManifestError(file: name, message: "is a directory")
            }
            if info.st_size > maxSize {
                throw tooLarge(name, maxSize)
            }
        }
        // Read straight into the buffer the text is checked in. A regular file's size is known
        // (one byte more shows its end in one read); other inputs grow the buffer as they go and
        // are checked chunk by chunk, so that a device like /dev/zero stops at its first byte.
        let regular = (info.st_mode & S_IFMT) == S_IFREG
        // Not zeroed first (a pass over tens of megabytes): only bytes `read` filled are ever read.
        let capacity = min(maxSize + 1, max(1 << 16, regular ? Int(info.st_size) + 1 : 0))
        var bytes = [UInt8](unsafeUninitializedCapacity: capacity) { _, initialized in initialized = capacity }
        var filled = regular ? readInHalves(fd, size: Int(info.st_size), into: &bytes) : 0
        var utf16: Bool? = nil
        while true {
            if filled == bytes.count {
                guard filled <= maxSize else { throw tooLarge(name, maxSize) }
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, maxSize + 1 - bytes.count)))
            }
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, min($0.count - filled, regular ? Int.max : 1 << 16)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ManifestError(file: name, message: "cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            let start = filled
            filled += count
            guard filled <= maxSize else { throw tooLarge(name, maxSize) }
            if utf16 == nil, filled >= 2 {
                utf16 = InputText.encoding(of: bytes[..<filled]).0 != .utf8
            }
            // A control byte: stop reading and report where (the full check finds it).
            if !regular, utf16 == false, bytes[start..<filled].withUnsafeBytes(InputText.hasControlByte) { break }
        }
        return InputFile(name: name, content: try InputText.checked(bytes, count: filled, file: name))
    }

    /// Reads a regular file's first `size` bytes on two threads at once, each half with
    /// `pread` (copying tens of megabytes out of the page cache, and faulting in the buffer's
    /// pages, is most of reading a large file); leaves the file offset after them and returns
    /// `size`. Returns 0 with the offset untouched for small files, or when either half comes
    /// back short (the file changed while read): the caller then reads it from the start.
    private static func readInHalves(_ fd: Int32, size: Int, into bytes: inout [UInt8]) -> Int {
        guard size >= ObjectCollector.parallelThreshold, size <= bytes.count else { return 0 }
        let half = size / 2
        let complete = bytes.withUnsafeMutableBytes { buffer in
            nonisolated(unsafe) let base = buffer.baseAddress!
            let done = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 2)
            defer { done.deallocate() }
            done.initialize(repeating: false)
            nonisolated(unsafe) let results = done
            PairedThreads.run { part in
                let start = part == 0 ? 0 : half
                let end = part == 0 ? half : size
                var offset = start
                while offset < end {
                    let count = pread(fd, base + offset, end - offset, off_t(offset))
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { return }
                    offset += count
                }
                results[part] = true
            }
            return done[0] && done[1]
        }
        guard complete, lseek(fd, off_t(size), SEEK_SET) == off_t(size) else { return 0 }
        return size
    }

    private static func tooLarge(_ name: String, _ maxSize: Int) -> ManifestError {
        ManifestError(file: name, message: "larger than the input size limit of \(byteCount(maxSize)) (--max-input-size raises it)")
    }

    /// `256 MiB`, `512 KiB` or `100 bytes`.
    static func byteCount(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
