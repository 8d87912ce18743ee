import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a file looked like (inode, size, modification and change times): equal stamps
/// mean nothing wrote to it in between.
struct FileStamp: Equatable, Sendable {
    var device: UInt64, inode: UInt64, size: Int64
    var modified: Int, modifiedNanos: Int, changed: Int, changedNanos: Int

    init?(_ path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modified = st.st_mtim.tv_sec
        modifiedNanos = st.st_mtim.tv_nsec
        changed = st.st_ctim.tv_sec
        changedNanos = st.st_ctim.tv_nsec
    }
}

/// File-system checks: stat(2) for the cheap questions, Foundation for creating directories.
enum FileManagerLite {
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func size(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    static func status(_ path: String) -> stat? {
        var st = stat()
        return stat(path, &st) == 0 ? st : nil
    }

    /// "owner NAME, mode 0600", for messages about permissions.
    static func ownerAndMode(_ st: stat) -> String {
        var owner = "uid \(st.st_uid)"
        if let pw = getpwuid(st.st_uid), let name = pw.pointee.pw_name { owner = String(cString: name) }
        return "owner \(owner), mode 0" + String(st.st_mode & 0o777, radix: 8)
    }

    /// The directory part of a path ("." for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The file `path` leads to: absolute, with every symbolic link followed, the last one
    /// too even when what it points to does not exist yet (so a database created through a
    /// link is created where the link points). A path that cannot be resolved (a missing
    /// directory, a loop) comes back as given, for the open that follows to report.
    static func resolvedPath(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            if let real = realpath(current, nil) {
                defer { free(real) }
                return String(cString: real)
            }
            // The file itself is missing: resolve its directory, then follow the last
            // component if it is a link.
            let name = current.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? current
            guard name != "." && name != "..", let dir = realpath(directory(of: current), nil) else { return path }
            let parent = String(cString: dir)
            free(dir)
            let candidate = (parent == "/" ? "" : parent) + "/" + name
            var st = stat()
            guard lstat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return candidate }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(candidate, &buffer, buffer.count - 1)
            guard n > 0 else { return candidate }
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target : (parent == "/" ? "" : parent) + "/" + target
        }
        return path
    }

    /// `mkdir -p`, through Foundation; a failure says why in plain words, and where when
    /// the part of the path that failed is not `path` itself.
    static func makeDirectory(_ path: String) throws(VerdictError) {
        if exists(path) && !isDirectory(path) {
            throw VerdictError(.io, "\(path): cannot create the directory: a file of that name is in the way", hint: "remove it or choose another path")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            let at = ((error as NSError).userInfo[NSFilePathErrorKey] as? String).flatMap { $0 == path ? nil : " (at \($0))" } ?? ""
            throw VerdictError(.io, "\(path): cannot create the directory" + at, cause: error)
        }
    }
}
