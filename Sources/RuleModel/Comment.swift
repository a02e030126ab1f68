import TextOutput

/// A rule comment. Kept as up to three pieces that are joined only when printed, so a
/// compiler can reuse one String (a Service-port name, say) in thousands of comments
/// without building a new String for each.
public struct Comment: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let head: String
    public let middle: String
    public let tail: String

    public init(_ head: String, _ middle: String = "", _ tail: String = "") {
        self.head = head
        self.middle = middle
        self.tail = tail
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public var description: String { head + middle + tail }

    public var isEmpty: Bool { head.isEmpty && middle.isEmpty && tail.isEmpty }

    /// Whether the text contains a space (iptables quotes such comments).
    public var containsSpace: Bool {
        head.utf8.contains(0x20) || middle.utf8.contains(0x20) || tail.utf8.contains(0x20)
    }

    public func write(to buffer: inout ByteBuffer) {
        buffer.append(head)
        buffer.append(middle)
        buffer.append(tail)
    }

    public static func == (lhs: Comment, rhs: Comment) -> Bool {
        lhs.description == rhs.description
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }
}
