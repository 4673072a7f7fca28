import Foundation

/// Where digital goods' files live. A file reference is a relative path; stores refuse
/// anything that would leave their root. Object storage can take this place later.
protocol DownloadStore: Sendable {
    /// The file's bytes, or nil when there is no such file.
    func read(_ reference: String) throws -> Data?
}

/// Files under a directory on this machine (`DOWNLOADS_DIR`).
struct DirectoryDownloadStore: DownloadStore {
    let root: URL

    init(path: String) {
        root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL.resolvingSymlinksInPath()
    }

    func read(_ reference: String) throws -> Data? {
        let parts = reference.split(separator: "/", omittingEmptySubsequences: false)
        guard !reference.isEmpty, !reference.hasPrefix("/"), parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") }) else { return nil }
        let file = root.appendingPathComponent(reference).standardizedFileURL.resolvingSymlinksInPath()
        guard file.path.hasPrefix(root.path + "/") else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return try Data(contentsOf: file)
    }
}
