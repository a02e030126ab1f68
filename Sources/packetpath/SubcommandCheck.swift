import ArgumentParser

/// A word where a subcommand belongs that names none: an error with the nearest name
/// ("did you mean …"), for `packetpath compil` and `packetpath help nosuch` alike.
enum SubcommandCheck {
    /// The message for the first unknown subcommand in `arguments`, or nil when there is none.
    static func problem(_ arguments: [String], root: any ParsableCommand.Type) -> String? {
        var command: any ParsableCommand.Type = root
        var words = arguments[...]
        var path = [root.configuration.commandName ?? "packetpath"]
        // `help a b` names the subcommand a b.
        if words.first == "help" { words = words.dropFirst() }
        while let word = words.first, !word.hasPrefix("-") {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty else { return nil }
            guard let next = subcommands.first(where: { $0.configuration.commandName == word }) else {
                let names = subcommands.compactMap { $0.configuration.commandName }
                var message = "unknown subcommand \(SafeWord.quoted(word)) of \(path.joined(separator: " "))"
                if let nearest = nearest(to: word, in: names) { message += " — did you mean '\(nearest)'?" }
                return message + " (subcommands: \(names.joined(separator: ", ")))"
            }
            command = next
            path.append(word)
            words = words.dropFirst()
        }
        return nil
    }

    /// The closest name, when it is close enough to be a typo (or the word begins it).
    static func nearest(to word: String, in names: [String]) -> String? {
        let scored = names.map { ($0, distance(word.lowercased(), $0)) }.sorted { $0.1 < $1.1 }
        guard let best = scored.first else { return nil }
        if best.1 <= max(1, min(word.count, best.0.count) / 3) { return best.0 }
        return names.first { $0.hasPrefix(word.lowercased()) && word.count >= 2 }
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// A command-line word in a message: quoted, escaped, cut short.
enum SafeWord {
    static func quoted(_ word: String) -> String {
        var result = "'"
        for scalar in word.unicodeScalars.prefix(60) {
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
                result += "\\x" + String(scalar.value, radix: 16)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result + (word.unicodeScalars.count > 60 ? "…'" : "'")
    }
}
