import Foundation

/// Every file under a folder with its bytes, by path relative to the folder (folders as `name/`,
/// without bytes): two snapshots are equal when a command changed nothing there.
func folderSnapshot(_ directory: String) -> [String: Data] {
    var entries: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: directory)
    while let relative = enumerator?.nextObject() as? String {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: "\(directory)/\(relative)", isDirectory: &isDirectory)
        if isDirectory.boolValue {
            entries[relative + "/"] = Data()
        } else {
            entries[relative] = FileManager.default.contents(atPath: "\(directory)/\(relative)") ?? Data()
        }
    }
    return entries
}

/// The sorted names in `directory` (nothing when it does not exist).
func entryNames(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

/// A new empty folder under the system's temporary folder.
func makeTemporaryFolder(_ prefix: String) -> String {
    let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
