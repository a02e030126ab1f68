/// The first line of `text` that is neither blank nor a `#` comment, without its leading
/// blanks; nil when there is none. Format detection needs only that line, so the scan stops
/// there instead of walking a 30 MB dump.
public func firstSignificantLine(of text: String) -> Substring? {
    var rest = Substring(text)
    while !rest.isEmpty {
        let line = rest.prefix { $0 != "\n" && $0 != "\r\n" }
        rest = rest.dropFirst(line.count + 1)
        let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
        return trimmed
    }
    return nil
}
