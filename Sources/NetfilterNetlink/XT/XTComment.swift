import CNetfilter

/// `-m comment --comment TEXT` (xt_comment rev 0): up to 255 bytes of text. Kept as up to
/// three pieces, joined only when written, so a compiler can share one String across
/// thousands of rule comments.
public struct XTComment: XTInfo, CustomStringConvertible {
    public static let maximumLength = Int(XT_MAX_COMMENT_LEN) - 1

    public let head: String
    public let middle: String
    public let tail: String

    public init(_ head: String, _ middle: String = "", _ tail: String = "") {
        self.head = head
        self.middle = middle
        self.tail = tail
    }

    public var text: String { head + middle + tail }
    public var description: String { text }

    public var byteCount: Int { head.utf8.count + middle.utf8.count + tail.utf8.count }

    static let name = "comment"
    static let revision: UInt32 = 0

    func fill(_ info: inout xt_comment_info) {
        var index = 0
        appendCString(head, into: &info.comment, at: &index)
        appendCString(middle, into: &info.comment, at: &index)
        appendCString(tail, into: &info.comment, at: &index)
    }

    init?(_ info: xt_comment_info) {
        self.init(readCString(info.comment))
    }

    public static func == (lhs: XTComment, rhs: XTComment) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
