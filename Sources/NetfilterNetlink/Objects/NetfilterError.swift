#if canImport(Glibc)
import Glibc
#endif

/// Why a netfilter operation failed.
public enum NetfilterError: Error, CustomStringConvertible, Sendable {
    /// An expression kind libnftnl does not know or this module cannot send.
    case unsupportedExpression(String)
    /// A socket call failed.
    case system(operation: String, errno: Int32)
    /// A request (not a batch) was refused by the kernel.
    case request(operation: String, errno: Int32)
    /// The kernel refused the batch: nothing was applied. One entry per message it reported.
    case batchRejected([MessageFailure], repliesLost: Bool)
    /// The ruleset changed between reading it and committing (`NFNL_BATCH_GENID` mismatch).
    case generationChanged
    /// The batch did not fit the limits of one `sendmsg`.
    case batchTooLarge(bytes: Int)

    public var description: String {
        switch self {
        case .unsupportedExpression(let name):
            return "expression \"\(name)\" cannot be sent"
        case .system(let operation, let code):
            return "\(operation): \(errorText(code))"
        case .request(let operation, let code):
            return "\(operation): \(errorText(code))"
        case .batchRejected(let failures, let lost):
            let first = failures.prefix(3).map { "\($0)" }.joined(separator: "; ")
            let more = failures.count > 3 ? " (and \(failures.count - 3) more)" : ""
            return "the kernel rejected the batch: \(failures.isEmpty ? "no reason reported" : first)\(more)\(lost ? "; some replies were lost" : "")"
        case .generationChanged:
            return "the ruleset changed while the batch was being prepared"
        case .batchTooLarge(let bytes):
            return "a batch of \(bytes) bytes is too large to send at once"
        }
    }

    /// A reply libnftnl could not parse ("…: Bad message"): an error, never a skipped object —
    /// a read-back that left it out would vouch for rules it never saw.
    static func unparsedReply(operation: String) -> NetfilterError {
        .request(operation: operation, errno: EBADMSG)
    }

    /// True for failures caused by missing privileges (EPERM/EACCES).
    public var isPermissionDenied: Bool {
        switch self {
        case .system(_, let code), .request(_, let code):
            return code == EPERM || code == EACCES
        case .batchRejected(let failures, _):
            return failures.contains { $0.errno == EPERM || $0.errno == EACCES }
        default:
            return false
        }
    }
}

/// One message of a batch the kernel refused.
public struct MessageFailure: Sendable, CustomStringConvertible {
    public let sequence: UInt32
    /// The tag the batch's builder gave the message; nil when the sequence number is not one
    /// of the batch's messages (the batch markers).
    public let tag: Int?
    public let errno: Int32
    /// Where in the message the kernel found the problem, when it said.
    public let attribute: AttributeLocation?
    /// The kernel's extended-ack text, when it sent one.
    public let message: String?

    public init(sequence: UInt32, tag: Int?, errno: Int32, attribute: AttributeLocation? = nil, message: String? = nil) {
        self.sequence = sequence
        self.tag = tag
        self.errno = errno
        self.attribute = attribute
        self.message = message
    }

    public var description: String {
        var text = tag.map { "message tagged \($0): " } ?? "batch marker: "
        text += errorText(errno)
        if let attribute { text += " at \(attribute)" }
        if let message, !message.isEmpty { text += " (\(message))" }
        return text
    }
}

func errorText(_ code: Int32) -> String {
    "\(String(cString: strerror(code))) (errno \(code))"
}
