/// Item mode, how a JSON stream is decoded: `kubectl get -o json` prints one `kind: List` whose
/// `items` hold nearly every byte, so the items of each document's top-level `items` list are
/// decoded as soon as each is read, on the thread that reads it (`JSONListSplit` shares them
/// out), from a small tree reused per item instead of one tree of the whole input. The tree
/// of everything else is decoded as before, each decoded list standing in for its document's
/// items.
///
/// Whether a document is a `kind: List` is known only once it is read (JSON key order is free:
/// kubectl prints `items` before `kind`), so the items are decoded as a List's and the guess
/// checked then; any other kind with an `items` list (a typed `ServiceList`, whose items may
/// leave out their kind), or a second thread that read another list's items, has the stream
/// read again in tree mode. Messages, positions and the order of errors are those of tree
/// mode: a syntax error anywhere still comes first, decoding stops at the first error.
///
/// A Service or EndpointSlice item of the common shape skips the tree: `JSONFastItem` decodes
/// it from the bytes, and gives up (the item is then read as above) on anything else.
enum JSONItemDecoding {
    /// The stream's documents decoded; `split` as for `JSONStream.read`.
    /// `fastItems`: whether `JSONFastItem` decodes the items it can (tests compare both ways).
    static func decode(_ text: String, file: String, split: JSONStream.Split = .automatic, fastItems: Bool = true) throws
        -> DecodedChunk {
        var text = text
        return try text.withUTF8 { try decode(utf8: $0, file: file, split: split, fastItems: fastItems) }
    }

    /// `decode` of UTF-8 text checked by `InputText`.
    static func decode(utf8 text: UnsafeBufferPointer<UInt8>, file: String, split: JSONStream.Split = .automatic,
                       fastItems: Bool = true) throws -> DecodedChunk {
        var decoder = DocumentDecoder(file: file, lineOffset: 0)
        decoder.fastJSONItems = fastItems
        if let documents = try JSONStream.read(utf8: text, file: file, split: split, itemDecoder: decoder) {
            let chunk = decoder.decode(tree: documents.tree, roots: documents.roots, duplicateKeys: documents.duplicateKeys,
                                       decodedLists: documents.decodedLists)
            if !chunk.needsTree { return chunk }
        }
        let documents = try JSONStream.read(utf8: text, file: file, split: split, itemDecoder: nil)!
        return decoder.decode(tree: documents.tree, roots: documents.roots, duplicateKeys: documents.duplicateKeys)
    }
}
