// verdict-embed: writes the Swift source that compiles Queries/ and Reports/ into VerdictCore,
// so that `verdict` works alone when copied to a cron host. Run by the EmbedResources build
// plugin on every build; nothing it writes is kept in the repository.
//
// Usage: verdict-embed PACKAGE_DIR OUTPUT.swift
import Foundation

/// A raw string literal whose delimiter cannot occur in the text.
func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"\"\"" + hashes) || text.contains("\"" + hashes) { hashes += "#" }
    // The newline before the closing delimiter is not part of a Swift multi-line string.
    return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
}

/// `[NAME: text]` for every file of `folder` ending in `suffix` but not in `excluding`, sorted by name.
func table(_ root: URL, _ folder: String, _ suffix: String, excluding: String? = nil) throws -> String {
    let dir = root.appendingPathComponent(folder)
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        .filter { $0.hasSuffix(suffix) && !$0.hasPrefix(".") && !(excluding.map($0.hasSuffix) ?? false) }
        .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    var rows: [String] = []
    for file in names {
        let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
        rows.append("        \"\(file.dropLast(suffix.count))\": \(literal(text)),")
    }
    return "[\n" + rows.joined(separator: "\n") + "\n    ]"
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: verdict-embed PACKAGE_DIR OUTPUT.swift\n".utf8))
    exit(64)
}
let root = URL(fileURLWithPath: arguments[1])
do {
    let source = """
        // Generated on every build by the EmbedResources plugin from Queries/ and Reports/.

        enum Embedded {
            /// Queries/NAME.sql, by NAME.
            static let queries: [String: String] = \(try table(root, "Queries", ".sql"))

            /// Queries/checks/NAME.sql, by NAME: data checks that return offending rows.
            static let checks: [String: String] = \(try table(root, "Queries/checks", ".sql"))

            /// Reports/NAME.mustache, by NAME: templates of report.md.
            static let templates: [String: String] = \(try table(root, "Reports", ".mustache", excluding: ".html.mustache"))

            /// Reports/NAME.html.mustache, by NAME: templates of report.html.
            static let pages: [String: String] = \(try table(root, "Reports", ".html.mustache"))
        }

        """
    let output = URL(fileURLWithPath: arguments[2])
    // Rewritten only when it changes, so an unchanged query set compiles nothing again.
    if (try? String(contentsOf: output, encoding: .utf8)) != source {
        try source.write(to: output, atomically: true, encoding: .utf8)
    }
} catch {
    FileHandle.standardError.write(Data("verdict-embed: \(error.localizedDescription)\n".utf8))
    exit(1)
}
