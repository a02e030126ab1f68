/// A lab could not be built, run or torn down.
public struct LabError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
