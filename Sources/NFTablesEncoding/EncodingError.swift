/// A rule-model construct this encoder cannot express as nf_tables objects.
public struct NFTablesEncodingError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
