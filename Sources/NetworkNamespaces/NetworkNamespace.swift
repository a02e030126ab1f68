#if canImport(Glibc)
import Glibc
#endif

/// A failure entering, creating or removing a network namespace.
public struct NamespaceError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// A network namespace, identified by the path of its nsfs file: `/run/netns/NAME` for the
/// ones `ip netns add` makes, or `/proc/PID/ns/net`.
public struct NetworkNamespace: Sendable, Hashable, CustomStringConvertible {
    public let path: String
    /// The `ip netns` name, when it has one.
    public let name: String?

    public init(name: String) {
        self.name = name
        self.path = "/run/netns/\(name)"
    }

    public init(path: String) {
        self.path = path
        self.name = path.hasPrefix("/run/netns/") ? String(path.dropFirst("/run/netns/".count)) : nil
    }

    /// The namespace of the calling thread.
    public static var current: NetworkNamespace { NetworkNamespace(path: "/proc/thread-self/ns/net") }

    public var description: String { name ?? path }

    /// Device and inode of the namespace: equal for two paths naming the same namespace.
    public func identity() throws -> NamespaceIdentity {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw NamespaceError("cannot open network namespace \(self): \(String(cString: strerror(errno)))")
        }
        return NamespaceIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Whether this is the namespace the calling thread runs in.
    public func isCurrent() throws -> Bool {
        try identity() == NetworkNamespace.current.identity()
    }
}

public struct NamespaceIdentity: Sendable, Hashable {
    public let device: UInt64
    public let inode: UInt64
}
