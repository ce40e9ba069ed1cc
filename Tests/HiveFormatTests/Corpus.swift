import Foundation
import HiveFormat
import TestSupport

/// The shared hive corpus and helpers over it.
enum Corpus {
    static let projectRoot = SharedCorpus.projectRoot
    static let hives = SharedCorpus.hives
    static var isPresent: Bool { SharedCorpus.isPresent }
    static func path(_ relative: String) -> String { SharedCorpus.path(relative) }

    static func primaryHives() -> [String] { SharedCorpus.primaryHives() }
}
