#if canImport(Glibc)
import Glibc
#endif
import ClusterState
import NetworkNamespaces

/// One chunk of attempts that are in flight together.
final class ProbeBatch {
    private enum Phase {
        case connecting
        case awaitingReply
        case sctpAwaitingInitAck
        case sctpAwaitingCookieAck
        case finished
    }

    private struct Attempt {
        let index: Int
        let request: ProbeRequest
        var sourcePort: UInt16 = 0
        var fd: Int32 = -1
        var phase: Phase = .connecting
        var started = 0.0
        var nonce: [UInt8] = []
        var ownTag: UInt32 = 0
        var received: [UInt8] = []
        var outcome: ProbeOutcome?
        var reply: ServerReply?
        var seconds = 0.0

        init(index: Int, request: ProbeRequest) {
            self.index = index
            self.request = request
        }
    }

    private var attempts: [Attempt]
    /// One raw SCTP socket per client host (by host index) and the attempts waiting on it.
    private var sctpSockets: [Int: Int32] = [:]
    private var sctpWaiting: [Int: [UInt16: Int]] = [:]
    private let timeout: Double
    private var buffer = [UInt8](repeating: 0, count: 65536)

    init(requests: [ProbeRequest], range: Range<Int>, ports: SourcePortAllocator, timeout: Double) throws {
        self.timeout = timeout
        attempts = range.map { Attempt(index: $0, request: requests[$0]) }
        do {
            try openSockets(ports)
        } catch {
            closeAll()
            throw error
        }
    }

    func run() -> [(index: Int, result: ProbeResult)] {
        startAll()
        pollUntilDone()
        closeAll()
        return attempts.map { attempt in
            (attempt.index, ProbeResult(request: attempt.request, outcome: attempt.outcome ?? .timedOut,
                                        reply: attempt.reply, sourcePort: attempt.sourcePort,
                                        seconds: attempt.seconds))
        }
    }

    // MARK: Sockets, created in each client's namespace

    private func openSockets(_ ports: SourcePortAllocator) throws {
        var byHost: [Int: [Int]] = [:]
        for (position, attempt) in attempts.enumerated() { byHost[attempt.request.from.index, default: []].append(position) }
        for (hostIndex, positions) in byHost.sorted(by: { $0.key < $1.key }) {
            let host = attempts[positions[0]].request.from
            let kinds = positions.map { attempts[$0].request.protocol }
            let opened = try NamespaceThread.run(in: host.namespace) {
                try Self.open(kinds, at: host, ports: ports)
            }
            for (position, socket) in zip(positions, opened.sockets) {
                attempts[position].fd = socket.fd
                attempts[position].sourcePort = socket.port
            }
            if let raw = opened.sctp { sctpSockets[hostIndex] = raw }
        }
    }

    private struct Opened {
        var sockets: [(fd: Int32, port: UInt16)] = []
        var sctp: Int32?
    }

    private static func open(_ kinds: [KubeProtocol], at host: LabHost, ports: SourcePortAllocator) throws -> Opened {
        var opened = Opened()
        do {
            for kind in kinds {
                switch kind {
                case .tcp, .udp:
                    let fd = try Sockets.open(Int32(kind == .tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue))
                    opened.sockets.append((fd, 0))
                    opened.sockets[opened.sockets.count - 1].port = try bindFresh(fd, host, ports)
                case .sctp:
                    // SCTP ports live in the packets this side writes: just reserve one.
                    opened.sockets.append((-1, ports.take()))
                }
            }
            if kinds.contains(.sctp) {
                let raw = try Sockets.open(Int32(SOCK_RAW.rawValue), Int32(IPPROTO_SCTP))
                opened.sctp = raw
                try Sockets.bind(raw, Endpoint4(address: host.address4, port: 0))
            }
        } catch {
            for socket in opened.sockets where socket.fd >= 0 { close(socket.fd) }
            if let raw = opened.sctp { close(raw) }
            throw LabError("\(host.name): cannot open client sockets: \(error)")
        }
        return opened
    }

    /// Binds to the host's address on the next unused port; ports a server holds are skipped.
    private static func bindFresh(_ fd: Int32, _ host: LabHost, _ ports: SourcePortAllocator) throws -> UInt16 {
        for _ in 0..<64 {
            let port = ports.take()
            do {
                try Sockets.bind(fd, Endpoint4(address: host.address4, port: port))
                return port
            } catch let error as SocketError where error.code == EADDRINUSE {
                continue
            }
        }
        throw LabError("no free source port")
    }

    private func closeAll() {
        for index in attempts.indices where attempts[index].fd >= 0 {
            close(attempts[index].fd)
            attempts[index].fd = -1
        }
        for fd in sctpSockets.values { close(fd) }
        sctpSockets = [:]
    }

    // MARK: Starting

    private func startAll() {
        for position in attempts.indices {
            attempts[position].started = monotonicSeconds()
            switch attempts[position].request.protocol {
            case .tcp: startTCP(position)
            case .udp: startUDP(position)
            case .sctp: startSCTP(position)
            }
        }
    }

    private func startTCP(_ position: Int) {
        let status = Sockets.connect(attempts[position].fd, attempts[position].request.to)
        switch status {
        case 0: connectedTCP(position)
        case EINPROGRESS: attempts[position].phase = .connecting
        default: finish(position, Self.outcome(errno: status))
        }
    }

    private func startUDP(_ position: Int) {
        let status = Sockets.connect(attempts[position].fd, attempts[position].request.to)
        guard status == 0 else { return finish(position, Self.outcome(errno: status)) }
        let nonce = Array("probe \(attempts[position].sourcePort) \(UInt64.random(in: 0...UInt64.max))".utf8)
        attempts[position].nonce = nonce
        let sent = nonce.withUnsafeBytes { send(attempts[position].fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        guard sent == nonce.count else { return finish(position, Self.outcome(errno: errno)) }
        attempts[position].phase = .awaitingReply
    }

    private func startSCTP(_ position: Int) {
        let request = attempts[position].request
        guard let raw = sctpSockets[request.from.index] else { return finish(position, .failed("no raw socket")) }
        let tag = UInt32.random(in: 1...UInt32.max)
        attempts[position].ownTag = tag
        let initiate = SCTPPacket(sourcePort: attempts[position].sourcePort, destinationPort: request.to.port,
                                  verificationTag: 0,
                                  chunks: [SCTPPacket.initChunk(type: .initiate, initiateTag: tag,
                                                                initialTSN: UInt32.random(in: 0...UInt32.max))])
        sctpWaiting[request.from.index, default: [:]][attempts[position].sourcePort] = position
        attempts[position].phase = .sctpAwaitingInitAck
        guard Sockets.sendTo(raw, initiate.bytes, Endpoint4(address: request.to.address, port: 0)) else {
            finish(position, Self.outcome(errno: errno))
            return
        }
    }

    // MARK: Polling

    private func pollUntilDone() {
        while true {
            var fds: [pollfd] = []
            var owners: [Int] = []
            var earliest = Double.infinity
            let now = monotonicSeconds()
            for position in attempts.indices where attempts[position].phase != .finished {
                let deadline = attempts[position].started + timeout
                if deadline <= now {
                    finish(position, .timedOut)
                    continue
                }
                earliest = min(earliest, deadline)
                switch attempts[position].phase {
                case .connecting:
                    fds.append(pollfd(fd: attempts[position].fd, events: Int16(POLLOUT), revents: 0))
                    owners.append(position)
                case .awaitingReply:
                    fds.append(pollfd(fd: attempts[position].fd, events: Int16(POLLIN), revents: 0))
                    owners.append(position)
                default:
                    break
                }
            }
            guard earliest.isFinite else { return }
            for (hostIndex, fd) in sctpSockets where !(sctpWaiting[hostIndex]?.isEmpty ?? true) {
                fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
                owners.append(-1 - hostIndex)
            }
            let waitMilliseconds = Int32(max(0, min(1000, ((earliest - now) * 1000).rounded(.up))))
            let ready = poll(&fds, nfds_t(fds.count), waitMilliseconds)
            if ready <= 0 { continue }
            for (entry, owner) in zip(fds, owners) where entry.revents != 0 {
                if owner < 0 {
                    readSCTP(hostIndex: -1 - owner, fd: entry.fd)
                } else if attempts[owner].phase == .connecting {
                    completeConnect(owner)
                } else if attempts[owner].phase == .awaitingReply {
                    readReply(owner)
                }
            }
        }
    }

    private func completeConnect(_ position: Int) {
        let error = Sockets.pendingError(attempts[position].fd)
        guard error == 0 else { return finish(position, Self.outcome(errno: error)) }
        connectedTCP(position)
    }

    private func connectedTCP(_ position: Int) {
        if attempts[position].request.readsReply {
            attempts[position].phase = .awaitingReply
        } else {
            finish(position, .connected)
        }
    }

    private func readReply(_ position: Int) {
        let fd = attempts[position].fd
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            return finish(position, Self.outcome(errno: errno))
        }
        switch attempts[position].request.protocol {
        case .udp:
            let datagram = Array(buffer[0..<count])
            let nonce = attempts[position].nonce
            // Another datagram (not our echo) cannot arrive on a connected socket, but a
            // truncated or foreign answer must not count.
            guard datagram.count > nonce.count, Array(datagram[0..<nonce.count]) == nonce,
                  datagram[nonce.count] == UInt8(ascii: "\n") else { return }
            attempts[position].reply = Self.parseReply(datagram[(nonce.count + 1)...])
            finish(position, .connected)
        default:
            attempts[position].received += buffer[0..<count]
            let received = attempts[position].received
            if count == 0 || received.contains(UInt8(ascii: "\n")) {
                attempts[position].reply = Self.parseReply(received[...])
                finish(position, attempts[position].reply == nil ? .failed("no reply line") : .connected)
            }
        }
    }

    private func readSCTP(hostIndex: Int, fd: Int32) {
        while let (count, from) = Sockets.receiveFrom(fd, into: &buffer) {
            guard let packet = SCTPPacket.fromIPv4Datagram(buffer[0..<count]),
                  let position = sctpWaiting[hostIndex]?[packet.destinationPort],
                  packet.verificationTag == attempts[position].ownTag,
                  packet.sourcePort == attempts[position].request.to.port,
                  let chunk = packet.chunks.first else { continue }
            switch (SCTPPacket.ChunkType(rawValue: chunk.type), attempts[position].phase) {
            case (.initiateAck, .sctpAwaitingInitAck):
                guard let peerTag = SCTPPacket.initiateTag(of: chunk), let cookie = SCTPPacket.stateCookie(of: chunk) else { continue }
                let echo = SCTPPacket(sourcePort: packet.destinationPort, destinationPort: packet.sourcePort,
                                      verificationTag: peerTag,
                                      chunks: [SCTPPacket.Chunk(type: SCTPPacket.ChunkType.cookieEcho.rawValue, flags: 0, value: cookie)])
                attempts[position].phase = .sctpAwaitingCookieAck
                if !Sockets.sendTo(fd, echo.bytes, Endpoint4(address: from.address, port: 0)) {
                    finish(position, Self.outcome(errno: errno))
                }
            case (.cookieAck, .sctpAwaitingCookieAck):
                finish(position, .connected)
            case (.abort, _):
                finish(position, .refused)
            default:
                continue
            }
        }
    }

    private func finish(_ position: Int, _ outcome: ProbeOutcome) {
        guard attempts[position].phase != .finished else { return }
        attempts[position].phase = .finished
        attempts[position].outcome = outcome
        attempts[position].seconds = monotonicSeconds() - attempts[position].started
        if attempts[position].fd >= 0 {
            close(attempts[position].fd)
            attempts[position].fd = -1
        }
        let request = attempts[position].request
        if request.protocol == .sctp {
            sctpWaiting[request.from.index]?[attempts[position].sourcePort] = nil
        }
    }

    private static func parseReply(_ bytes: ArraySlice<UInt8>) -> ServerReply? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n", omittingEmptySubsequences: true).first else { return nil }
        return ServerReply(line: line)
    }

    private static func outcome(errno code: Int32) -> ProbeOutcome {
        switch code {
        case ECONNREFUSED, ECONNRESET: return .refused
        case ETIMEDOUT: return .timedOut
        default: return .failed(String(cString: strerror(code)))
        }
    }
}
