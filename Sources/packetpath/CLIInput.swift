import ArgumentParser
import ClusterState
import PacketPath
import TextOutput
#if canImport(Glibc)
import Glibc
#endif

/// Loading manifests and reporting failures the same way in every command: warnings on
/// stderr, one line per error, exit status 2.
enum CLIInput {
    /// Loads manifest files and directories (a directory's .yaml, .yml and .json files, sorted).
    static func load(_ files: [String], _ options: InputOptions) throws -> LoadedCluster {
        let loaded = try run {
            try ProgressLine.during("reading and checking the input", quiet: options.quiet) {
                try ManifestLoader.load(paths: try SideLoader.expand(files), options: options.loadOptions())
            }
        }
        report(loaded.warnings, options)
        return loaded
    }

    /// Reads a side of a review command (manifests, rules or a namespace), with the progress
    /// line and the warnings and notes of its manifests.
    static func loadSide(_ loader: SideLoader, _ side: SideInput, _ options: InputOptions) throws -> LoadedSide {
        let loaded = try ProgressLine.during("reading \(side)", quiet: options.quiet) { try loader.load(side) }
        report(loaded.cluster?.warnings ?? [], options)
        return loaded
    }

    /// Warnings always, notes unless --quiet.
    static func report(_ warnings: [ManifestWarning], _ options: InputOptions) {
        for warning in warnings where !(warning.isNote && options.quiet) {
            StandardStreams.writeError("\(warning.isNote ? "note" : "warning"): \(warning)")
        }
    }

    /// Runs library work, turning any error into a one-line message and exit status 2.
    static func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch {
            // Messages may quote input: no control character reaches the terminal raw (line
            // breaks the message itself makes are kept).
            let lines = "\(error)".split(separator: "\n", omittingEmptySubsequences: false)
            StandardStreams.writeError("error: " + lines.map { SafeText.escaped(String($0)) }.joined(separator: "\n"))
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
