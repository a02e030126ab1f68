#if canImport(Glibc)
import Glibc
#endif
import Yams

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

/// Reads multi-document YAML or JSON (including `kind: List`), decodes the kinds PacketPath
/// uses, applies API defaults, validates, and resolves the node settings. Any error stops the
/// load: no partial state is ever returned.
public enum ManifestLoader {
    /// Loads files; `-` reads standard input.
    public static func load(paths: [String]) throws -> LoadedCluster {
        try load(sources: paths.map(readSource))
    }

    public static func load(sources: [ManifestSource]) throws -> LoadedCluster {
        var collector = ObjectCollector()
        for source in sources {
            try collector.read(source)
        }
        return try collector.finish()
    }

    public static func readSource(_ path: String) throws -> ManifestSource {
        let name = path == "-" ? "<stdin>" : path
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ManifestError(file: name, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { if fd != 0 { close(fd) } }
        var bytes: [UInt8] = []
        var info = stat()
        if fstat(fd, &info) == 0 && info.st_size > 0 { bytes.reserveCapacity(Int(info.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ManifestError(file: name, message: "cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ManifestError(file: name, message: "not valid UTF-8 text")
        }
        return ManifestSource(name: name, text: text)
    }
}
