import Foundation
@testable import MiniDRAW

/// Finds files of the package from a test: the package root is two folders above this one.
enum PackagePaths {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `Tests/MiniDRAWTests/Resources/name`, always present in the repository.
    static func resource(_ name: String) -> String { "\(root)/Tests/MiniDRAWTests/Resources/\(name)" }

    /// `../shared/reference/name` beside the project, when the shared folder is there.
    static func sharedReference(_ name: String) -> String? {
        let path = "\(root)/../shared/reference/\(name)"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
