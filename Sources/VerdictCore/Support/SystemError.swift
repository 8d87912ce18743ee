import Foundation
import GRDBSQLite
internal import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Plain words for what the system or a library reported, so that an error line says what
/// went wrong (and what to do) instead of showing a Foundation or SQLite dump such as
/// `Error Domain=NSCocoaErrorDomain Code=513 "(null)" UserInfo={...}`.
enum SystemError {
    /// What an `errno` value means, in lower-case words.
    static func words(errno code: Int32) -> String {
        switch code {
        case EACCES, EPERM: "permission denied"
        case ENOENT: "no such file or directory"
        case ENOTDIR: "a part of the path is not a directory"
        case EISDIR: "it is a directory"
        case EEXIST: "something of that name is already there"
        case ENOSPC: "no space left on the device"
        case EDQUOT: "disk quota exceeded"
        case EROFS: "read-only file system"
        case EIO: "input/output error (a failing disk or network file system)"
        case EPIPE: "the reading end of the pipe was closed"
        case EBADF: "it is not open"
        case EFBIG: "the file would be too large"
        case ENAMETOOLONG: "the name is too long"
        case ELOOP: "too many levels of symbolic links"
        case EMFILE, ENFILE: "too many open files"
        case ENOMEM: "out of memory"
        case EXDEV: "it is on another file system"
        case ENOTEMPTY: "the directory is not empty"
        case EINVAL: "invalid argument"
        default: String(cString: strerror(code)).lowercased()
        }
    }

    /// An `errno` value as an error, to keep as a `VerdictError`'s cause.
    static func posix(_ code: Int32) -> POSIXError {
        POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
    }

    /// What the user can do about an `errno` value, when there is something to say.
    static func hint(errno code: Int32) -> String? {
        switch code {
        case EACCES, EPERM: "check the permissions, or choose another place"
        case ENOTDIR: "check the path: one of its parts is a file"
        case ENOENT: "check the path"
        case ENOSPC, EDQUOT: "free some space, or choose another place"
        case EROFS: "choose a place on a writable file system"
        case EIO: "check the disk or the network file system"
        case ENAMETOOLONG: "choose a shorter path"
        case EMFILE, ENFILE: "raise the limit of open files (ulimit -n)"
        default: nil
        }
    }

    /// The `errno` value behind an error thrown by Foundation, when it carries one.
    static func errnoValue(_ error: any Error) -> Int32? {
        if let p = error as? POSIXError { return p.code.rawValue }
        if let cocoa = error as? CocoaError, let under = cocoa.underlying { return errnoValue(under) }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        return nil
    }

    /// One line of plain words for any error (no dump of its fields).
    static func words(_ error: any Error) -> String {
        if let v = error as? VerdictError { return v.description }
        if let db = error as? DatabaseError { return words(database: db) }
        if let code = errnoValue(error) { return words(errno: code) }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileWriteOutOfSpace: return "no space left on the device"
            case .fileWriteVolumeReadOnly: return "read-only file system"
            case .fileWriteFileExists: return "something of that name is already there"
            case .fileReadCorruptFile: return "the file is damaged"
            case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding: return "the text is not in the expected encoding"
            default: break
            }
        }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain || ns.domain == "NSCocoaErrorDomain" {
            let text = ns.localizedDescription
            return text.isEmpty || text.contains("(null)") ? "file system error \(ns.code)" : oneLine(text)
        }
        return oneLine(String(describing: error))
    }

    /// What to do about an error, when `words` alone does not say it.
    static func hint(_ error: any Error) -> String? {
        errnoValue(error).flatMap { hint(errno: $0) }
    }

    /// SQLite's own message (no SQL text, no arguments), with its result code in words
    /// when SQLite gave no message.
    static func words(database e: DatabaseError) -> String {
        if let m = e.message, !m.isEmpty { return oneLine(m) }
        return oneLine(String(cString: sqlite3_errstr(e.extendedResultCode.rawValue)))
    }

    /// SQLite's message for the last failure on `connection`, else the words of `rc`.
    static func words(sqlite connection: OpaquePointer?, _ rc: Int32) -> String {
        if let connection, let m = sqlite3_errmsg(connection) {
            let text = String(cString: m)
            if !text.isEmpty { return oneLine(text) }
        }
        return oneLine(String(cString: sqlite3_errstr(rc)))
    }

    /// The SQL statement an error reports, when it is a GRDB database error that names one.
    static func statement(of error: any Error) -> String? {
        if let db = error as? DatabaseError { return db.sql }
        return nil
    }

    /// A statement as an error line shows it: on one line, its white space collapsed, at
    /// most `limit` characters, then `…`. (Verdict's own statements can be long: a multi-row
    /// INSERT holds hundreds of parameters; bound values are never part of it.)
    static func excerpt(_ sql: String, limit: Int = 80) -> String {
        let words = sql.split(whereSeparator: \.isWhitespace)
        let text = words.joined(separator: " ")
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    /// `s` with every line break made a space, so that it prints as one line.
    static func singleLine(_ s: String) -> String {
        guard s.contains(where: \.isNewline) else { return s }
        return String(s.map { $0.isNewline ? " " : $0 })
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
