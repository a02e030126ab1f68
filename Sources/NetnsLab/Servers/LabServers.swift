#if canImport(Glibc)
import Glibc
#endif
import ClusterState
import NetworkNamespaces

/// The servers of every lab host, all served by one poll loop thread in this process.
///
/// Sockets are created inside each host's namespace (on a namespace thread) and keep living
/// there; the loop thread only reads and writes them. TCP listeners send one line
/// (`ServerReply`) and close; UDP sockets echo each datagram followed by that line; SCTP is
/// answered on one raw IP socket per host (`SCTPResponder`).
public final class LabServers: @unchecked Sendable {
    private enum Kind {
        case tcpListener
        case udp
        case sctp(SCTPResponder)
    }

    private struct Served {
        let fd: Int32
        let kind: Kind
        let identity: String
    }

    private var served: [Served] = []
    private let wakeup: WakeupPipe
    private var thread: LoopThread?
    private var stopped = false
    private let lock = ThreadLock()
    private var registration: LabCleanupRegistry.Token?

    /// Opens every listener, then starts serving. `ports` lists what each host serves;
    /// `identity` names a host in its replies (defaults to the host name).
    public init(_ ports: [(host: LabHost, ports: Set<ServedPort>)], identity: (LabHost) -> String = { $0.name }) throws {
        wakeup = try WakeupPipe()
        do {
            for (host, hostPorts) in ports where !hostPorts.isEmpty {
                let name = identity(host)
                let opened = try NamespaceThread.run(in: host.namespace) {
                    try Self.open(hostPorts, at: host, identity: name)
                }
                served += opened
            }
            thread = try LoopThread { [unowned self] in self.loop() }
        } catch {
            closeAll()
            throw error
        }
        registration = LabCleanupRegistry.shared.register { [unowned self] in self.stop() }
    }

    /// Stops the loop and closes every socket (idempotent).
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        wakeup.signal()
        thread?.join()
        closeAll()
        if let registration { LabCleanupRegistry.shared.unregister(registration) }
    }

    deinit { stop() }

    private func closeAll() {
        for socket in served { close(socket.fd) }
        served = []
    }

    // MARK: Opening (runs inside the host's namespace)

    private static func open(_ ports: Set<ServedPort>, at host: LabHost, identity: String) throws -> [Served] {
        var opened: [Served] = []
        do {
            for port in ports.sorted() where port.protocol != .sctp {
                let isTCP = port.protocol == .tcp
                let fd = try Sockets.open(Int32(isTCP ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue))
                opened.append(Served(fd: fd, kind: isTCP ? .tcpListener : .udp, identity: identity))
                Sockets.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
                try Sockets.bind(fd, Endpoint4(address: 0, port: UInt16(port.port)))
                if isTCP {
                    guard listen(fd, 4096) == 0 else { throw SocketError("listen on \(host.name) \(port)") }
                }
            }
            let sctpPorts = Set(ports.filter { $0.protocol == .sctp }.map { UInt16($0.port) })
            if !sctpPorts.isEmpty {
                let fd = try Sockets.open(Int32(SOCK_RAW.rawValue), Int32(IPPROTO_SCTP))
                opened.append(Served(fd: fd, kind: .sctp(SCTPResponder(ports: sctpPorts)), identity: identity))
                try Sockets.bind(fd, Endpoint4(address: host.address4, port: 0))
            }
        } catch {
            for socket in opened { close(socket.fd) }
            throw LabError("\(host.name): cannot open its servers: \(error)")
        }
        return opened
    }

    // MARK: Serving

    private func loop() {
        var fds = served.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: wakeup.readEnd, events: Int16(POLLIN), revents: 0))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[fds.count - 1].revents != 0 { return }
            for index in 0..<served.count where fds[index].revents != 0 {
                fds[index].revents = 0
                let socket = served[index]
                switch socket.kind {
                case .tcpListener: acceptAll(socket)
                case .udp: echoAll(socket, &buffer)
                case .sctp(let responder): answerAll(socket, responder, &buffer)
                }
            }
        }
    }

    private func acceptAll(_ socket: Served) {
        while true {
            // accept4 is not in Swift's Glibc module; replies use MSG_DONTWAIT instead.
            let client = accept(socket.fd, nil, nil)
            guard client >= 0 else { return }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            if let peer = Sockets.peer(client) {
                let line = Array((ServerReply(server: socket.identity, sawPeer: peer).line + "\n").utf8)
                _ = line.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
            }
            close(client)
        }
    }

    private func echoAll(_ socket: Served, _ buffer: inout [UInt8]) {
        while let (count, peer) = Sockets.receiveFrom(socket.fd, into: &buffer) {
            let reply = Array(buffer[0..<count]) + Array(("\n" + ServerReply(server: socket.identity, sawPeer: peer).line + "\n").utf8)
            _ = Sockets.sendTo(socket.fd, reply, peer)
        }
    }

    private func answerAll(_ socket: Served, _ responder: SCTPResponder, _ buffer: inout [UInt8]) {
        while let (count, peer) = Sockets.receiveFrom(socket.fd, into: &buffer) {
            guard let packet = SCTPPacket.fromIPv4Datagram(buffer[0..<count]),
                  let answer = responder.answer(packet) else { continue }
            _ = Sockets.sendTo(socket.fd, answer.bytes, Endpoint4(address: peer.address, port: 0))
        }
    }
}
