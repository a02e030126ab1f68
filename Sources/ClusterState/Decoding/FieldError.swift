/// A step in a field path: a mapping key or a sequence index.
enum PathStep: Sendable, Equatable {
    case key(String)
    case index(Int)
}

/// An error inside an object, before it is known where the object came from. Decoders throw
/// it with the path relative to the value they read; each enclosing level prepends its own
/// step as the error passes through (`within`), so the success path never builds paths.
struct FieldError: Error {
    var path: [PathStep]
    var message: String
    var mark: SourceMark?

    init(_ message: String, at mark: SourceMark? = nil) {
        self.path = []
        self.message = message
        self.mark = mark
    }

    var pathText: String {
        var text = ""
        for step in path {
            switch step {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }
}

/// Runs `body`, prefixing `step` to the path of any FieldError it throws.
@inline(__always)
func within<T>(_ step: PathStep, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch var error as FieldError {
        error.path.insert(step, at: 0)
        throw error
    }
}

@inline(__always)
func within<T>(_ key: String, _ body: () throws -> T) throws -> T {
    try within(.key(key), body)
}

/// Keys (strings) and indices (integers) spelled inline in a path: `["ports", 1, "name"]`.
protocol PathStepConvertible {
    var pathStep: PathStep { get }
}

extension String: PathStepConvertible {
    var pathStep: PathStep { .key(self) }
}

extension Int: PathStepConvertible {
    var pathStep: PathStep { .index(self) }
}

extension FieldError {
    /// The error placed at `steps` below the current value.
    func at(_ steps: [PathStepConvertible]) -> FieldError {
        var copy = self
        copy.path = steps.map(\.pathStep) + path
        return copy
    }
}
