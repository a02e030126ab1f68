/// Reads the documents of a YAML run: BlockYAMLReader while they are in its subset, then
/// libyaml (YAMLEventReader) from the first document that is not, to the end of the run.
/// Either way the tree holds what libyaml's events build.
struct YAMLDocumentReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var fast: BlockYAMLReader
    private var general: YAMLEventReader?
    /// Documents BlockYAMLReader read (tests check that the fast path is taken).
    private(set) var fastDocuments = 0

    /// `bytes` must stay valid while the reader is used.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        fast = BlockYAMLReader(bytes)
    }

    /// Reads the next document into `tree` and returns its root node, or nil after the last one.
    mutating func nextDocument(into tree: inout YAMLTree) throws(YAMLEventReader.Failure) -> Int? {
        if general == nil {
            switch fast.nextDocument(into: &tree) {
            case .end:
                return nil
            case .document(let root):
                fastDocuments += 1
                return root
            case .declined:
                general = try YAMLEventReader(UnsafeBufferPointer(rebasing: bytes[fast.position...]), lineOffset: fast.line - 1)
            }
        }
        return try general!.nextDocument(into: &tree)
    }
}
