/// One file decoded on its own: its objects, defaulted and located, not yet joined with other
/// files'. A watcher keeps one per file and re-decodes only the files that changed.
public struct DecodedManifest: Sendable {
    /// The file's name as messages show it.
    public let name: String
    /// Warnings about the file itself (skipped kinds and the like).
    public let warnings: [ManifestWarning]
    let items: [DecodedItem]

    /// Objects read from the file (legacy Endpoints and settings objects included).
    public var objectCount: Int { items.count }
}

extension ManifestLoader {
    /// Decodes one source: what `load` does for it before joining it with the other inputs.
    /// Duplicates inside the file are errors here; across files, in `join`.
    public static func decode(_ source: ManifestSource, options: LoadOptions = LoadOptions()) throws -> DecodedManifest {
        var collector = ObjectCollector(options: options)
        collector.keepsItems = true
        try collector.read(source)
        return DecodedManifest(name: source.name, warnings: collector.readWarnings, items: collector.keptItems)
    }

    /// Joins decoded files, in order, into the state `load` would return for their sources:
    /// duplicates across files refused, legacy Endpoints mirrored, settings resolved.
    public static func join(_ files: [DecodedManifest], options: LoadOptions = LoadOptions()) throws -> LoadedCluster {
        var collector = ObjectCollector(options: options)
        for file in files {
            try collector.add(file)
        }
        return try collector.finish()
    }
}
