extension NetworkNamespace {
    /// Why `name` cannot be a namespace name as `ip netns` lists it (one entry of
    /// /var/run/netns), or nil when it can: a name is never a path, so `--netns` and `netns:NAME`
    /// cannot reach outside that directory; paths are given as paths (`--netns-path`).
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "a namespace name may not be empty" }
        if name.contains("/") { return "a namespace name may not contain '/' (give a path with --netns-path)" }
        if name == "." || name == ".." { return "a namespace name may not be '.' or '..'" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "a namespace name may not contain control characters"
        }
        return nil
    }
}
