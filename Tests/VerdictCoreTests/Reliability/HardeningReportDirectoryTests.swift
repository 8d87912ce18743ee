import Foundation
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// A report run writes its directory completely or not at all: whatever can be refused is
// refused before the first byte is written, and a failure while writing puts back what was
// there. Errors about the output say, in plain words, what failed, where and what to do.

/// Every entry of a directory tree (hidden ones too) with its bytes; directories map to nil.
func treeSnapshot(_ root: String) throws -> [String: [UInt8]?] {
    var out: [String: [UInt8]?] = [:]
    let fm = FileManager.default
    guard let walker = fm.enumerator(atPath: root) else { return out }
    while let rel = walker.nextObject() as? String {
        var isDir: ObjCBool = false
        _ = fm.fileExists(atPath: root + "/" + rel, isDirectory: &isDir)
        out.updateValue(isDir.boolValue ? nil : FileBytes.readAll(path: root + "/" + rel), forKey: rel)
    }
    return out
}

/// Whether `chattr +i` works here (root on a file system with the immutable flag).
let immutableFilesWork: Bool = {
    guard let chattr = Executables.find("chattr"), let box = try? Sandbox() else { return false }
    defer { box.remove() }
    guard let f = try? box.write("probe", bytes: [1]) else { return false }
    func run(_ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chattr)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
    guard run(["+i", f]) == 0 else { return false }
    let blocked = rename(f, f + "2") != 0
    _ = run(["-i", f])
    return blocked
}()

func chattr(_ flag: String, _ path: String) throws {
    let exe = try #require(Executables.find("chattr"))
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = [flag, path]
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
}

@Suite("Reliability: a report directory is written completely or not at all")
struct ReliabilityReportDirectoryTests {
    /// A database with a week of data and a report of it in `old/`, every file of which is
    /// then overwritten with a marker, so that any file a later run writes is seen.
    func oldReport(_ box: Sandbox) throws -> String {
        let log = try box.write("log.ndjson", lines: [
            Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y"),
            Log.idVerdict("B", at: "2026-11-11T08:00:00Z", "N", more: "\"recognitionErrorCode\": \"BLUR\""),
            Log.vv("V", at: "2026-11-11T09:00:00Z", verdict: "Pass"),
        ])
        #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
        let dir = box.file("out/old")
        let out = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", dir], in: box)
        #expect(out.status == 0, "\(out.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(files.count == 25)  // 19 CSV files, 3 charts, report.md, report.html, manifest.json
        for f in files { try box.write("out/old/" + f, bytes: Array("old \(f)\n".utf8)) }
        return dir
    }

    @Test("a usage error (template, query, zone) comes before any file of the directory is touched")
    func usageErrorsWriteNothing() throws {
        try withSandbox { box in
            let dir = try oldReport(box)
            let before = try treeSnapshot(box.file("out"))
            let badTemplate = try box.write("bad.mustache", bytes: Array("{{#products}}\n".utf8))
            try FileManager.default.createDirectory(atPath: box.file("queries"), withIntermediateDirectories: true)
            try box.write("queries/outcomes.sql", bytes: Array("SELECT nope FROM nowhere".utf8))
            let cases: [[String]] = [
                ["--template", "nosuch"],
                ["--template", badTemplate],
                ["--queries", box.file("queries")],
                ["--queries", box.file("no-such-dir")],
                ["--tz", "+05:07"],  // days that do not start on a quarter hour
                ["--tz", "CST"],
            ]
            for extra in cases {
                let out = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", dir] + extra, in: box)
                #expect(out.status == 64, "\(extra): \(out.stderr)")
                #expect(out.stderr.split(separator: "\n").count == 1, "\(extra): \(out.stderr)")
                #expect(try treeSnapshot(box.file("out")) == before, "\(extra) changed the output directory")
            }
            // A new directory is not even created.
            let fresh = box.file("out/new")
            let out = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", fresh, "--template", "nosuch"], in: box)
            #expect(out.status == 64)
            #expect(!FileManager.default.fileExists(atPath: fresh))
            #expect(try treeSnapshot(box.file("out")) == before)
        }
    }

    @Test("a report file name taken by a directory fails the run before any file is replaced, leaving no temporary file")
    func nameTakenByDirectory() throws {
        try withSandbox { box in
            let dir = try oldReport(box)
            unlink(dir + "/report.md")
            try FileManager.default.createDirectory(atPath: dir + "/report.md", withIntermediateDirectories: false)
            let before = try treeSnapshot(box.file("out"))
            let out = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", dir], in: box)
            #expect(out.status == 1, "\(out.stderr)")
            let lines = out.stderr.split(separator: "\n")
            #expect(lines.count == 1 && out.stderr.contains("report.md"), "\(out.stderr)")
            #expect(try treeSnapshot(box.file("out")) == before)
        }
    }

    @Test("a rename that fails half way puts every replaced file back", .enabled(if: immutableFilesWork))
    func failedRenameIsUndone() throws {
        try withSandbox { box in
            let dir = try oldReport(box)
            // trend.csv comes after ten other CSV files: they are renamed before it fails.
            try chattr("+i", dir + "/trend.csv")
            defer { try? chattr("-i", dir + "/trend.csv") }
            let before = try treeSnapshot(box.file("out"))
            let out = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", dir], in: box)
            #expect(out.status == 1, "\(out.stderr)")
            #expect(out.stderr.split(separator: "\n").count == 1 && out.stderr.contains("permission denied"), "\(out.stderr)")
            #expect(try treeSnapshot(box.file("out")) == before)
        }
    }

    @Test("a successful run replaces every file and leaves no staging directory, in a new or an existing directory")
    func successLeavesNothingElse() throws {
        try withSandbox { box in
            let dir = try oldReport(box)
            try box.write("out/old/mine.txt", bytes: Array("a file of the user's\n".utf8))
            let out = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", dir], in: box)
            #expect(out.status == 0, "\(out.stderr)")
            let after = try treeSnapshot(box.file("out"))
            #expect(after.keys.filter { $0.hasPrefix("old/") }.count == 26)
            for (name, bytes) in after where name.hasPrefix("old/") && name != "old/mine.txt" {
                #expect(bytes.map { !String(decoding: $0, as: UTF8.self).hasPrefix("old ") } ?? false, "\(name) was not replaced")
            }
            #expect(after["old/mine.txt"] == Array("a file of the user's\n".utf8))
            // A new directory several levels down.
            let nested = box.file("out/a/b/c/")
            let made = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", nested], in: box)
            #expect(made.status == 0, "\(made.stderr)")
            let tree = try treeSnapshot(box.file("out"))
            #expect(tree.keys.filter { $0.hasPrefix("a/b/c/") }.count == 25)
            #expect(tree.keys.allSatisfy { !$0.contains(".verdict") && !$0.contains(".tmp") }, "\(tree.keys.sorted())")
            let (new, first) = (try readCSV(nested, "outcomes"), try readCSV(dir, "outcomes"))
            #expect(new == first && new.count == 3)
        }
    }
}

@Suite("Reliability: errors about files say what failed, where and what to do, in plain words")
struct ReliabilityPlainErrorTests {
    func expectPlain(_ out: ProcessOutput, status: Int32, _ words: String, _ what: String) {
        #expect(out.status == status, "\(what): \(out.status) \(out.stderr)")
        let lines = out.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("verdict: error: "), "\(what): \(out.stderr)")
        #expect(out.stderr.contains(words), "\(what): \(out.stderr)")
        for raw in ["Domain=", "NSCocoaErrorDomain", "NSPOSIXErrorDomain", "UserInfo", "Code=", "(null)", "ParserError", "MustacheParserContext"] {
            #expect(!out.stderr.contains(raw), "\(what): \(out.stderr)")
        }
    }

    @Test("--out below a file, on a file, or where the system forbids it")
    func outPaths() throws {
        try withSandbox { box in
            let log = try box.write("log.ndjson", lines: [Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y")])
            #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
            let report = ["report", "--db", box.databasePath, "--week", "2026-W46", "--out"]
            expectPlain(try runVerdict(report + [log + "/sub"], in: box), status: 1, "not a directory", "--out FILE/sub")
            expectPlain(try runVerdict(report + [log + "/sub/deeper"], in: box), status: 1, "not a directory", "--out FILE/sub/deeper")
            expectPlain(try runVerdict(report + [log], in: box), status: 1, "not a directory", "--out FILE")
            expectPlain(try runVerdict(["demo", "--out", log + "/demo"], in: box), status: 1, "not a directory", "demo --out FILE/demo")
            if FileManager.default.fileExists(atPath: "/sys/kernel") {
                // Not writable even by root.
                expectPlain(try runVerdict(report + ["/sys/verdict-report"], in: box), status: 1, "permission denied", "--out /sys/...")
                expectPlain(try runVerdict(report + ["/sys/verdict/report"], in: box), status: 1, "permission denied", "--out /sys/.../...")
                expectPlain(try runVerdict(["demo", "--out", "/sys/verdict-demo"], in: box), status: 1, "permission denied", "demo --out /sys/...")
            }
            let badTemplate = try box.write("bad.mustache", bytes: Array("line one\n{{#products}}\n".utf8))
            expectPlain(try runVerdict(report + [box.file("r"), "--template", badTemplate], in: box), status: 64, "line 3", "--template with an open section")
        }
    }

    @Test("a Foundation error behind a failure is shown in plain words with what to do")
    func foundationCauses() {
        let cases: [(any Error, String)] = [
            (CocoaError(.fileWriteNoPermission, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES))]), "permission denied"),
            (CocoaError(.fileWriteVolumeReadOnly, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))]), "read-only file system"),
            (CocoaError(.fileWriteOutOfSpace), "no space left"),
            (CocoaError(.fileWriteVolumeReadOnly), "read-only file system"),
            (CocoaError(.fileWriteUnknown, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOTDIR))]), "not a directory"),
            (NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)), "no space left"),
            (POSIXError(.EROFS), "read-only file system"),
        ]
        for (cause, words) in cases {
            let e = VerdictError(.io, "/somewhere: cannot create the directory", cause: cause)
            let text = e.description
            #expect(text.hasPrefix("/somewhere: cannot create the directory: ") && text.contains(words), "\(text)")
            #expect(!text.contains("Domain") && !text.contains("Code=") && !text.contains("\n"), "\(text)")
        }
        // What to do comes with the words.
        #expect(VerdictError(.io, "x", cause: POSIXError(.ENOSPC)).description.contains("free some space"))
        #expect(VerdictError(.io, "x", cause: POSIXError(.EACCES)).description.contains("permissions"))
    }
}

@Suite("Reliability: a failed report leaves nothing behind, and a planted link sends it nowhere")
struct ReliabilityReportDirectoryLeftovers {
    func ingested(_ box: Sandbox) throws {
        let log = try box.write("log.ndjson", lines: [
            Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y"),
            Log.idVerdict("B", at: "2026-11-11T08:00:00Z", "N", more: "\"recognitionErrorCode\": \"BLUR\""),
        ])
        #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
    }

    @Test("a write that fails while a new directory is staged (file size limit) removes the staging directory and the parents it made")
    func failedNewDirectoryLeavesNothing() throws {
        try withSandbox { box in
            // 3,000 distinct failure reasons: id_failure_reasons.csv is over 64 KiB.
            let log = try box.write("log.ndjson", lines: (0..<3000).map {
                Log.idVerdict("T\($0)", at: "2026-11-10T08:00:00Z", "N", more: "\"recognitionErrorCode\": \"CODE_NUMBER_\($0)_OF_THREE_THOUSAND\"")
            })
            #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
            let exe = try #require(Executables.verdict)
            // Files over 64 KiB cannot be written (EFBIG; the signal that would kill the
            // process is ignored, so the write itself fails). SQLite's 32 KiB -shm still fits.
            let script = "trap '' XFSZ; ulimit -f 128; exec \"$0\" \"$@\""
            let out = try run("/bin/sh", ["-c", script, exe, "report", "--db", box.databasePath, "--week", "2026-W46",
                                          "--out", box.file("reports/weekly/new")], in: box)
            #expect(out.status == 1, "\(out.stderr)")
            #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
            let left = try treeSnapshot(box.path).keys.filter { $0.hasPrefix("reports") }
            #expect(left.isEmpty, "\(left.sorted())")
        }
    }

    @Test("--out that is a symbolic link owned by another user is not followed; a dangling link is named as such")
    func plantedLinkIsNotFollowed() throws {
        try withSandbox { box in
            try ingested(box)
            try FileManager.default.createDirectory(atPath: box.file("shared"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: box.file("victim"), withIntermediateDirectories: true)
            try box.write("victim/outcomes.csv", bytes: Array("precious\n".utf8))
            #expect(symlink("../victim", box.file("shared/weekly")) == 0)
            // Planted by another user (only root can give a link away: the suite runs as root).
            if geteuid() == 0 { #expect(lchown(box.file("shared/weekly"), 4242, 4242) == 0) }
            let out = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", box.file("shared/weekly")], in: box)
            if geteuid() == 0 {
                #expect(out.status == 1, "\(out.stderr)")
                #expect(out.stderr.contains("symbolic link owned by another user"), "\(out.stderr)")
                #expect(FileBytes.readAll(path: box.file("victim/outcomes.csv")) == Array("precious\n".utf8))
                #expect(try FileManager.default.contentsOfDirectory(atPath: box.file("victim")) == ["outcomes.csv"])
            }
            // One's own link is followed.
            #expect(symlink("../victim", box.file("shared/mine")) == 0)
            let mine = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", box.file("shared/mine")], in: box)
            #expect(mine.status == 0, "\(mine.stderr)")
            #expect(FileBytes.readAll(path: box.file("victim/outcomes.csv")) != Array("precious\n".utf8))
            // A link to nothing.
            #expect(symlink("../nowhere", box.file("shared/dangling")) == 0)
            let dangling = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", box.file("shared/dangling")], in: box)
            #expect(dangling.status == 1 && dangling.stderr.contains("symbolic link to nothing"), "\(dangling.stderr)")
        }
    }

    @Test("a template that names no query of the report, uses a partial, or is not UTF-8 is a usage error before anything is written")
    func templateMistakesAreRefused() throws {
        try withSandbox { box in
            try ingested(box)
            let cases: [(String, [UInt8], String)] = [
                ("typo.mustache", Array("# {{period}}\n{{{tables.id_failure_reason}}}\n".utf8), "names no query"),
                ("rows.mustache", Array("{{#rows.trends}}{{period_start}}{{/rows.trends}}\n".utf8), "names no query"),
                ("partial.mustache", Array("{{> header}}\n".utf8), "partials"),
                ("latin1.mustache", [0x23, 0x20, 0xE9, 0xFF, 0x0A], "not UTF-8"),
            ]
            for (name, bytes, words) in cases {
                let template = try box.write(name, bytes: bytes)
                let out = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", box.file("r-" + name), "--template", template], in: box)
                #expect(out.status == 64, "\(name): \(out.stderr)")
                #expect(out.stderr.contains(words) && out.stderr.split(separator: "\n").count == 1, "\(name): \(out.stderr)")
                #expect(!FileManager.default.fileExists(atPath: box.file("r-" + name)), "\(name): the directory was written")
            }
            // Every query the report runs may be named, as tables or rows.
            let good = try box.write("good.mustache", bytes: Array("{{{tables.id_failure_reasons}}}\n{{#rows.trend}}{{period_start}} {{/rows.trend}}\n".utf8))
            let out = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", box.file("r-good"), "--template", good], in: box)
            #expect(out.status == 0, "\(out.stderr)")
            let md = String(decoding: FileBytes.readAll(path: box.file("r-good/report.md")) ?? [], as: UTF8.self)
            #expect(md.contains("BLUR") && md.contains("2026-11-09"), "\(md)")
        }
    }
}
