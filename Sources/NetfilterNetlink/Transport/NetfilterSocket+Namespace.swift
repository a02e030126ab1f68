import NetworkNamespaces

extension NetfilterSocket {
    /// Runs `body` on a dedicated thread inside `namespace`, with a socket opened there. The
    /// socket, and any batch built for it, live and die on that thread.
    public static func withSocket<T>(in namespace: NetworkNamespace,
                                     _ body: @escaping (NetfilterSocket) throws -> T) throws -> T {
        try NamespaceThread.run(in: namespace) { try body(NetfilterSocket()) }
    }
}
