#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Puts a report's files into its directory all together, or leaves the directory as it was.
///
/// Every file is first written, whole, into a private staging directory on the same file
/// system, under a name no other process can predict or take (`mkdir` fails rather than
/// reuse an existing name):
///
/// - DIR does not exist: the staging directory is `.NAME.verdict-RANDOM` beside it (its
///   parents are created first), and once every file is in it, it is renamed to DIR in
///   one step. A reader sees no DIR, or all of it.
/// - DIR exists: the staging directory is `DIR/.verdict-staging-RANDOM` (inside DIR, so a
///   DIR that is a mount point or a symbolic link still gets same-file-system renames).
///   Nothing is renamed before every file is written and no report file name is taken by
///   a directory; each file that will be replaced is first hard-linked (or, where the file
///   system has no hard links, copied) into the staging directory, then every new file is
///   renamed over its old one. Each rename replaces one file atomically; if one fails,
///   the files already renamed are put back from those copies.
///
/// A failed run removes what it staged (and the parents it created), so it leaves neither
/// a partial report nor temporary files. Only a crash (SIGKILL, power loss) during the
/// renames into an existing DIR, a matter of microseconds per file, can leave DIR with some
/// files of the new report and the rest of the old one, and the hidden staging directory.
enum ReportDirectory {
    /// Files named in `files` (plain names, no `/`) are written into `directory`.
    static func write(_ files: [(name: String, bytes: [UInt8])], into directory: String) throws(VerdictError) {
        let dir = normalized(directory)
        var st = stat()
        if lstat(dir, &st) != 0 {
            try createNew(dir, files)
        } else {
            try check(dir)
            try replaceInto(existing: dir, files)
        }
    }

    /// Fails early, before any query runs, when `directory` cannot be a report directory.
    ///
    /// A symbolic link at DIR is followed only when the caller or the owner of the folder
    /// holding it owns the link (the rule Linux's `fs.protected_symlinks` applies in
    /// world-writable sticky folders, here in every folder): a link planted in a shared
    /// report folder by another user never sends a report, run by root from cron, somewhere
    /// else.
    static func check(_ directory: String) throws(VerdictError) {
        let dir = normalized(directory)
        var st = stat()
        guard lstat(dir, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFLNK {
            var folder = stat()
            let parent = FileManagerLite.directory(of: dir)
            let folderOwner = stat(parent, &folder) == 0 ? folder.st_uid : st.st_uid
            if st.st_uid != geteuid() && st.st_uid != folderOwner {
                throw VerdictError(.io, "\(dir): cannot write the report there: it is a symbolic link owned by another user (uid \(st.st_uid)), and it is not followed",
                                   hint: "remove the link, or give --out the directory it points to")
            }
            if !FileManagerLite.exists(dir) {
                throw VerdictError(.io, "\(dir): cannot write the report there: it is a symbolic link to nothing",
                                   hint: "remove the link, or create the directory it points to")
            }
        }
        if !FileManagerLite.isDirectory(dir) {
            throw VerdictError(.io, "\(dir): cannot write the report there: it is not a directory", hint: "choose another --out, or remove the file")
        }
    }

    static func normalized(_ path: String) -> String {
        var p = path.isEmpty ? "." : path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    // MARK: - A new directory

    private static func createNew(_ dir: String, _ files: [(name: String, bytes: [UInt8])]) throws(VerdictError) {
        let slash = dir.lastIndex(of: "/")
        let parent = slash.map { $0 == dir.startIndex ? "/" : String(dir[..<$0]) } ?? "."
        let base = slash.map { String(dir[dir.index(after: $0)...]) } ?? dir
        // The parents this run creates are removed again if it fails.
        var missing: [String] = []
        var p = parent
        while !FileManagerLite.exists(p), p != "/", p != "." {
            missing.append(p)
            p = p.lastIndex(of: "/").map { $0 == p.startIndex ? "/" : String(p[..<$0]) } ?? "."
        }
        func undoParents() { for m in missing { rmdir(m) } }
        if !missing.isEmpty {
            do { try FileManagerLite.makeDirectory(parent) } catch {
                undoParents()
                throw error
            }
        }
        let staging: Staging
        do {
            staging = try Staging(in: parent, prefix: "." + base + ".verdict-", mode: 0o777, reportDirectory: dir)
        } catch {
            undoParents()
            throw error
        }
        do {
            try staging.put(files)
        } catch {
            staging.remove()
            undoParents()
            throw error
        }
        if rename(staging.path, dir) == 0 { return }
        let code = errno
        if code == EEXIST || code == ENOTEMPTY, FileManagerLite.isDirectory(dir) {
            // Another process made DIR meanwhile: place the files into it one by one.
            defer { staging.remove() }
            try replaceInto(existing: dir, files, staged: staging)
            return
        }
        staging.remove()
        undoParents()
        throw failure(dir, code)
    }

    // MARK: - An existing directory

    private static func replaceInto(existing dir: String, _ files: [(name: String, bytes: [UInt8])], staged: Staging? = nil) throws(VerdictError) {
        let staging: Staging
        if let staged {
            staging = staged
        } else {
            staging = try Staging(in: dir, prefix: ".verdict-staging-", mode: 0o700, reportDirectory: dir)
            do { try staging.put(files) } catch {
                staging.remove()
                throw error
            }
        }
        defer { if staged == nil { staging.remove() } }
        // A report file name taken by a directory would stop a rename half way: refuse now.
        for f in files {
            var st = stat()
            if lstat(dir + "/" + f.name, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                throw VerdictError(.io, "\(dir)/\(f.name): cannot write the report: a directory of that name is in the way",
                                   hint: "remove or rename it; nothing was changed in \(dir)")
            }
        }
        // Keep what each rename will replace, so that a failed rename can be undone.
        var previous: [String: String] = [:]
        for f in files {
            let target = dir + "/" + f.name
            var st = stat()
            guard lstat(target, &st) == 0 else { continue }
            let keep = try staging.keep(target, as: f.name)
            previous[f.name] = keep
        }
        var placed: [String] = []
        for f in files {
            if rename(staging.path + "/" + f.name, dir + "/" + f.name) != 0 {
                let code = errno
                for name in placed.reversed() {
                    if let old = previous[name] { rename(old, dir + "/" + name) } else { unlink(dir + "/" + name) }
                }
                throw failure(dir, code)
            }
            placed.append(f.name)
        }
    }

    static func failure(_ dir: String, _ code: Int32) -> VerdictError {
        VerdictError(.io, "\(dir): cannot write the report: " + SystemError.words(errno: code) + "; nothing was changed there",
                     hint: SystemError.hint(errno: code))
    }

    // MARK: - Staging

    /// A private directory that holds the new files (and copies of those they replace).
    private final class Staging {
        let path: String
        let reportDirectory: String
        private var created: [String] = []

        init(in parent: String, prefix: String, mode: mode_t, reportDirectory: String) throws(VerdictError) {
            self.reportDirectory = reportDirectory
            var attempt = 0
            while true {
                let candidate = parent + "/" + prefix + String(UInt64.random(in: .min ... .max), radix: 16)
                if mkdir(candidate, mode) == 0 {
                    path = candidate
                    return
                }
                let code = errno
                attempt += 1
                if code != EEXIST || attempt >= 16 { throw ReportDirectory.failure(reportDirectory, code) }
            }
        }

        /// Writes each file whole; every write and the close are checked.
        func put(_ files: [(name: String, bytes: [UInt8])]) throws(VerdictError) {
            for f in files {
                try writeNew(path + "/" + f.name, f.bytes)
            }
        }

        /// A copy of `target` inside the staging directory: a hard link, or the bytes.
        func keep(_ target: String, as name: String) throws(VerdictError) -> String {
            let keep = path + "/.previous-" + name
            if link(target, keep) == 0 {
                created.append(keep)
                return keep
            }
            guard let bytes = FileBytes.readAll(path: target) else { throw ReportDirectory.failure(reportDirectory, errno) }
            try writeNew(keep, bytes)
            return keep
        }

        private func writeNew(_ file: String, _ bytes: [UInt8]) throws(VerdictError) {
            let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw ReportDirectory.failure(reportDirectory, errno) }
            created.append(file)
            var off = 0
            while off < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
                if n < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    _ = Glibc.close(fd)
                    throw ReportDirectory.failure(reportDirectory, code)
                }
                off += n
            }
            if Glibc.close(fd) != 0 && errno != EINTR { throw ReportDirectory.failure(reportDirectory, errno) }
        }

        /// Removes whatever is left in the staging directory, then the directory.
        func remove() {
            for f in created { unlink(f) }
            rmdir(path)
        }
    }
}
