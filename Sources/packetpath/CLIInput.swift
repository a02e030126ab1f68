import ArgumentParser
import ClusterState
import TextOutput
#if canImport(Glibc)
import Glibc
#endif

/// Loading manifests and reporting failures the same way in every command: warnings on
/// stderr, one line per error, exit status 2.
enum CLIInput {
    static func load(_ files: [String]) throws -> LoadedCluster {
        let loaded = try run { try ManifestLoader.load(paths: files) }
        for warning in loaded.warnings {
            StandardStreams.writeError("warning: \(warning)")
        }
        return loaded
    }

    /// Runs library work, turning any error into a one-line message and exit status 2.
    static func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch {
            StandardStreams.writeError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

enum StandardStreams {
    static func writeOut(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeOut($0) }
    }

    static func writeOut(_ text: PrintedText) {
        for chunk in text.chunks { chunk.withUnsafeBytes { writeOut($0) } }
    }

    private static func writeOut(_ raw: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < raw.count {
            let written = write(1, raw.baseAddress! + offset, raw.count - offset)
            if written <= 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    static func writeError(_ line: String) {
        var text = line
        text.append("\n")
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
