/// Recovers the Service-port name (`namespace/name:port`, or `namespace/name` for an unnamed
/// port) that kube-proxy writes into its rule comments (LAYOUT.md §5–§6).
enum KubeProxyComments {
    /// Comments that put the name after a fixed lead-in rather than first.
    private static let leadIns = [
        "masquerade traffic for ", "pod traffic for ", "masquerade LOCAL traffic for ",
        "route LOCAL traffic for ", "other traffic to ",
    ]

    static func servicePortName(in comment: String) -> String? {
        var text = Substring(comment)
        for leadIn in leadIns where text.hasPrefix(leadIn) {
            text = text.dropFirst(leadIn.count)
            break
        }
        let word = text.prefix { $0 != " " }
        return isServicePortName(word) ? String(word) : nil
    }

    /// `ns/name` or `ns/name:port` in Kubernetes name characters; rejects kube-proxy's own
    /// fixed comments ("kubernetes forwarding rules", ...), which have no slash.
    static func isServicePortName(_ word: Substring) -> Bool {
        let parts = word.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[1].hasPrefix(":") else { return false }
        let allowed: (Character) -> Bool = { $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." || $0 == ":" }
        let nameAndPort = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        return parts[0].allSatisfy { $0 != ":" && allowed($0) } && parts[1].allSatisfy(allowed)
            && nameAndPort.count <= 2 && nameAndPort.allSatisfy { !$0.isEmpty }
    }
}
