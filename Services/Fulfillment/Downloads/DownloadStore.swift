import Foundation
import NIOPosix
import Hummingbird

/// A file ready to be sent: its size and a body that reads it in pieces, so a large file never
/// sits in memory whole.
struct DownloadFile: Sendable {
    var size: Int
    var body: ResponseBody
}

/// Where digital goods' files live. A file reference is a relative path; stores refuse
/// anything that would leave their root. Object storage can take this place later.
protocol DownloadStore: Sendable {
    /// The file, or nil when there is no such file (or the reference points out of the store).
    func open(_ reference: String) throws -> DownloadFile?
}

/// Files under a directory on this machine (`DOWNLOADS_DIR`), read 64 KiB at a time.
struct DirectoryDownloadStore: DownloadStore {
    let root: URL

    init(path: String) {
        root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL.resolvingSymlinksInPath()
    }

    /// The file's location when the reference names a regular file inside the root.
    func locate(_ reference: String) -> URL? {
        let parts = reference.split(separator: "/", omittingEmptySubsequences: false)
        guard !reference.isEmpty, !reference.hasPrefix("/"), parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") }) else { return nil }
        let file = root.appendingPathComponent(reference).standardizedFileURL.resolvingSymlinksInPath()
        guard file.path.hasPrefix(root.path + "/") else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return file
    }

    func open(_ reference: String) throws -> DownloadFile? {
        guard let file = locate(reference) else { return nil }
        let size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue ?? 0
        let handle = try FileHandle(forReadingFrom: file)
        let body = ResponseBody(contentLength: size) { writer in
            defer { try? handle.close() }
            // Reads block: they run on NIO's pool for blocking work, never on the event loop
            // this task runs on.
            while let chunk = try await NIOThreadPool.singleton.runIfActive({ try handle.read(upToCount: 64 * 1024) }), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return DownloadFile(size: size, body: body)
    }
}
