#if canImport(Glibc)
import Glibc
#endif
import NetworkAddresses

/// An IPv4 address and port, convertible to and from `sockaddr_in`.
public struct Endpoint4: Sendable, Hashable, CustomStringConvertible {
    /// Host byte order (`IPAddress.v4`'s representation).
    public var address: UInt32
    public var port: UInt16

    public init(address: UInt32, port: UInt16) {
        self.address = address
        self.port = port
    }

    public init?(_ address: IPAddress, port: Int) {
        guard case .v4(let value) = address, (0...65535).contains(port) else { return nil }
        self.init(address: value, port: UInt16(port))
    }

    init(_ raw: sockaddr_in) {
        address = UInt32(bigEndian: raw.sin_addr.s_addr)
        port = UInt16(bigEndian: raw.sin_port)
    }

    public var ipAddress: IPAddress { .v4(address) }

    public var description: String { "\(ipAddress):\(port)" }

    var sockaddr: sockaddr_in {
        var raw = sockaddr_in()
        raw.sin_family = sa_family_t(AF_INET)
        raw.sin_port = port.bigEndian
        raw.sin_addr.s_addr = address.bigEndian
        return raw
    }
}

/// A failed socket call, with the errno it left.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32

    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// Thin wrappers over the BSD socket calls the lab needs.
enum Sockets {
    static func open(_ type: Int32, _ proto: Int32 = 0) throws -> Int32 {
        let fd = socket(AF_INET, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        guard fd >= 0 else { throw SocketError("socket") }
        return fd
    }

    static func bind(_ fd: Int32, _ endpoint: Endpoint4) throws {
        var raw = endpoint.sockaddr
        let status = withUnsafePointer(to: &raw) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else { throw SocketError("bind \(endpoint)") }
    }

    /// Starts a connect; returns the errno (0, EINPROGRESS, or a failure).
    static func connect(_ fd: Int32, _ endpoint: Endpoint4) -> Int32 {
        var raw = endpoint.sockaddr
        let status = withUnsafePointer(to: &raw) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return status == 0 ? 0 : errno
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var value = value
        _ = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return errno }
        return value
    }

    static func sendTo(_ fd: Int32, _ bytes: [UInt8], _ endpoint: Endpoint4) -> Bool {
        var raw = endpoint.sockaddr
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &raw) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), $0,
                           socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        return sent == bytes.count
    }

    /// One datagram (or raw packet) and its sender; nil when nothing is waiting.
    static func receiveFrom(_ fd: Int32, into buffer: inout [UInt8]) -> (count: Int, from: Endpoint4)? {
        var raw = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &raw) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, &length)
                }
            }
        }
        guard count >= 0 else { return nil }
        return (count, Endpoint4(raw))
    }

    static func peer(_ fd: Int32) -> Endpoint4? {
        var raw = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &raw) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        return status == 0 ? Endpoint4(raw) : nil
    }
}
