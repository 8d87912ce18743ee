import Foundation
import Testing

// Which folder of VerdictCore may use which: read from the sources themselves. A type's
// folder is where it is declared at the top level of a file; a file uses a type when it
// names it outside comments.

/// The top-level types each Swift file of `Sources/VerdictCore` declares, and the names it uses.
private struct SourceTree {
    struct File {
        var folder: String
        var name: String
        var declares: Set<String>
        var names: Set<String>
    }

    var files: [File] = []

    init() throws {
        let root = Executables.packageRoot.appendingPathComponent("Sources/VerdictCore").path
        let fm = FileManager.default
        guard let walk = fm.enumerator(atPath: root) else { throw TestFailure("cannot list \(root)") }
        let declaration = try Regex(#"^(?:(?:public|internal|package|private|fileprivate|final)\s+)*(?:class|struct|enum|protocol|actor|typealias)\s+([A-Za-z_]\w*)"#)
            .anchorsMatchLineEndings()
        let identifier = try Regex(#"\b[A-Z]\w*"#)
        for case let relative as String in walk where relative.hasSuffix(".swift") {
            let parts = relative.split(separator: "/")
            guard parts.count == 2 else { continue }
            let text = try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
            // Comments name types they only talk about.
            let code = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
                guard let r = line.range(of: "//") else { return line }
                return line[..<r.lowerBound]
            }.joined(separator: "\n")
            files.append(File(
                folder: String(parts[0]), name: String(parts[1]),
                declares: Set(code.matches(of: declaration).compactMap { $0.output[1].substring.map(String.init) }),
                names: Set(code.matches(of: identifier).map { String(code[$0.range]) })))
        }
        guard files.count > 20 else { throw TestFailure("only \(files.count) source files found under \(root)") }
    }

    /// The types declared in `folder`, but in the files `except`.
    func declared(in folder: String, except: Set<String> = []) -> [String: String] {
        var out: [String: String] = [:]
        for f in files where f.folder == folder && !except.contains(f.name) {
            for t in f.declares { out[t] = folder + "/" + f.name }
        }
        return out
    }

    /// "File uses Type (declared in Place)" for every use by a file of `folder` of a type in `types`.
    func uses(by folder: String, of types: [String: String]) -> [String] {
        files.filter { $0.folder == folder }.flatMap { f in
            f.names.filter { types[$0] != nil && !f.declares.contains($0) }.sorted().map { "\(folder)/\(f.name) uses \($0) (\(types[$0]!))" }
        }.sorted()
    }
}

@Suite("Layering of VerdictCore's folders")
struct LayeringTests {
    @Test("Support/ names no type of the layers above it (Ingest, Store, Metrics, Report, Sample)")
    func supportIsBelowTheLayers() throws {
        let tree = try SourceTree()
        var above: [String: String] = [:]
        for folder in ["Ingest", "Store", "Metrics", "Report", "Sample"] {
            above.merge(tree.declared(in: folder)) { a, _ in a }
        }
        #expect(tree.uses(by: "Support", of: above) == [])
    }

    @Test("Store/ uses none of Ingest's machinery (locks, queues, threads, the parser), only the poll's data it stores")
    func storeUsesNoIngestMachinery() throws {
        let tree = try SourceTree()
        // What an ingest hands to the store: the records, their counts, the sealed poll and the refused line.
        let data: Set = ["PollRecord.swift", "IngestSummary.swift", "ParsedItem.swift", "PollBox.swift"]
        #expect(tree.uses(by: "Store", of: tree.declared(in: "Ingest", except: data)) == [])
    }
}
