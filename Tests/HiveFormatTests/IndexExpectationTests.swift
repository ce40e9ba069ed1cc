import Foundation
import HiveFormat
import Testing

/// What shared/hives/INDEX.md says a correct reader does with particular files.
@Suite(.enabled(if: Corpus.isPresent, "needs ../shared/hives"))
struct IndexExpectationTests {
    /// Counts with a strict walk: keys (root included), values, and the value-type histogram.
    struct Counts: Equatable, CustomStringConvertible {
        var keys = 0, values = 0
        var types: [UInt32: Int] = [:]
        var description: String { "\(keys) keys, \(values) values, \(types.sorted { $0.key < $1.key })" }
    }

    static func count(_ relative: String, salvage: Bool = false) throws -> (Counts, [HiveError]) {
        let hive = try Hive(path: Corpus.path(relative))
        var c = Counts()
        var problems: [HiveError] = []
        try hive.walk(from: hive.rootKey(), options: WalkOptions(salvage: salvage),
                      corrupt: { _, _, e in problems.append(e) }) { key, _ throws(HiveError) in
            c.keys += 1
            do throws(HiveError) {
                try hive.forEachValue(of: key) { v throws(HiveError) in
                    _ = try hive.data(of: v)
                    c.values += 1
                    c.types[v.type.rawValue, default: 0] += 1
                }
            } catch {
                guard salvage else { throw error }
                problems.append(error)
            }
            return .descend
        }
        return (c, problems)
    }

    @Test func regipyNTUSERCountsAndHistogram() throws {
        let (c, _) = try Self.count("regipy/NTUSER.DAT")
        #expect(c.keys == 1812)
        #expect(c.values == 4094)
        #expect(c.types == [3: 531, 4: 1336, 2: 93, 7: 303, 0: 141, 11: 54, 1: 1636])
        let hive = try Hive(path: Corpus.path("regipy/NTUSER.DAT"))
        #expect(try hive.rootKey().name == "CMI-CreateHive{6A1C4018-979D-4291-A7DC-7AED1C75B67C}")
        #expect(hive.baseBlock.hiveBinsDataSize == 733184)
        #expect(hive.baseBlock.storedChecksum == 476614345)
        #expect(!hive.baseBlock.isDirty)
    }

    @Test func regipyAmcacheCounts() throws {
        let (c, _) = try Self.count("regipy/amcache.hve")
        #expect(c.keys == 2105)
        #expect(c.values == 17539)
        #expect(c.types == [1: 14433, 4: 1656, 11: 1254, 7: 140, 3: 56])
    }

    @Test(arguments: [
        ("regipy/SYSTEM", 30756, 73456),
        ("regipy/NTUSER-WSL.DAT", 3074, 4949),
        ("plaso/test_data/regf/UsrClass.dat", 7505, 19987),
        ("regipy/SYSTEM_WIN_10_1709", 43211, 90307),
        ("yarp/hives_for_tests/ManySubkeysHive", 5003, 0),
        ("yarp/hives_for_tests/System_Delta", 586, 820),
        ("nt-hive/testdata/testhive", 528, 12),
        ("yarp/hives_for_tests/EffectiveSizeHive", 5003, 0),
        ("yarp/hives_for_tests/GarbageHive", 1, 0),
        // Its broken base block says version 1.1; the cells are laid out as in 1.3 (INDEX: 1.3
        // after recovery from its log), and the primary is read so, with a warning.
        ("yarp/hives_for_tests/BadBaseBlockHive/BadBaseBlockHive", 5003, 0),
    ])
    func indexCounts(_ file: String, _ keys: Int, _ values: Int) throws {
        let (c, _) = try Self.count(file)
        #expect(c.keys == keys && c.values == values, "\(file): \(c)")
    }

    /// Files whose structure is broken: a strict walk raises a precise error; INDEX wins over
    /// libhivex, which reads some of them without complaint.
    static let mustRaise: [String] = [
        "yarp/hives_for_tests/BadListHive",
        "yarp/hives_for_tests/BadSubkeyHive",
        "yarp/hives_for_tests/DuplicateSubkeysHive",
        "yarp/hives_for_tests/InvalidParentHive",
        "yarp/hives_for_tests/WrongOrderHive",
        "yarp/hives_for_tests/TruncatedNameHive",
        "yarp/hives_for_tests/TruncatedHive",
        "yarp/hives_for_tests/TruncatedDirtyHive",
        "yarp/hives_for_tests/DeletedDataHiveTruncated",
        "plaso/test_data/regf/corrupt_sub_key_list.hiv",
        "regipy/corrupted_system_hive",
        "libregf/tests/data/hive_bins_list.1",
    ]

    @Test(arguments: mustRaise)
    func walkRaises(_ file: String) throws {
        #expect(throws: HiveError.self) { _ = try Self.count(file) }
        // --salvage reads what is readable and names what it skipped.
        let (_, problems) = try Self.count(file, salvage: true)
        #expect(!problems.isEmpty)
    }

    @Test func wrongOrderRaisesAfterTheFirstSubkey() throws {
        let hive = try Hive(path: Corpus.path("yarp/hives_for_tests/WrongOrderHive"))
        var children: [UInt32] = []
        let key1 = try #require(try hive.subkey(of: hive.rootKey(), named: "1"))
        let error = hive.appendSubkeys(of: key1, to: &children)
        #expect(children.count == 1)
        guard case .badSubkeyList(_, let reason)? = error else {
            Issue.record("expected an out-of-order error, got \(String(describing: error))"); return
        }
        #expect(reason.contains("out of order"))
    }

    @Test func duplicateSubkeysAreNamed() throws {
        let hive = try Hive(path: Corpus.path("yarp/hives_for_tests/DuplicateSubkeysHive"))
        let many = try hive.key(path: "key_with_many_subkeys")
        #expect {
            _ = try hive.subkeys(of: many)
        } throws: { e in
            guard case .badSubkeyList(_, let reason) = e as? HiveError else { return false }
            return reason.contains("duplicate")
        }
    }

    @Test func salvageKeepsTheReadablePartOfACorruptSystemHive() throws {
        let (c, problems) = try Self.count("regipy/corrupted_system_hive", salvage: true)
        // INDEX counts 1687 keys reachable by a reader that ignores bins; we require cells to lie
        // in a valid hive bin, and this hive's zeroed pages (no hbin header) cut more subtrees.
        #expect(c.keys > 700 && c.keys <= 1687, "\(c)")
        #expect(problems.count > 0)
    }

    /// Files that are not primary hives are refused with a precise reason, never a crash.
    @Test(arguments: [
        ("parse-win32registry/t/empty_file.rf", "0 bytes"),
        ("parse-win32registry/t/invalid_regf_header.rf", "\"regg\""),
        ("parse-win32registry/t/win95_key_tests.rf", "CREG"),
        ("parse-win32registry/t/fake_sam.rf", "version 0.0"),
        ("libregf/tests/data/file_header.1", "512 bytes"),
        ("regipy/SYSTEM_B.LOG1", "transaction log"),
        ("plaso/test_data/ntuser.dat.LOG", "transaction log"),
        ("yarp/hives_for_tests/Carving/Margin0_1", "\"hbin\""),
    ])
    func refuses(_ file: String, _ reason: String) {
        do {
            _ = try Hive(path: Corpus.path(file))
            Issue.record("\(file) opened")
        } catch {
            #expect(error.description.contains(reason), "\(file): \(error)")
        }
    }

    @Test func dirtyHivesOpenWithAWarning() throws {
        for file in ["regipy/SYSTEM_WIN_10_1709", "regipy/NTUSER_BAGMRU.DAT", "yarp/hives_for_tests/GarbageHive"] {
            let hive = try Hive(path: Corpus.path(file))
            #expect(hive.baseBlock.isDirty)
            #expect(hive.warnings.contains { $0.contains("dirty") }, "\(file)")
        }
    }

    @Test func effectiveSizeIsTheBinChain() throws {
        let hive = try Hive(path: Corpus.path("yarp/hives_for_tests/EffectiveSizeHive"))
        #expect(hive.binsLimit == 487424)
        let garbage = try Hive(path: Corpus.path("yarp/hives_for_tests/GarbageHive"))
        #expect(garbage.binsLimit == 4096)
    }

    @Test func caseInsensitiveLookupsThroughRiAndUnicode() throws {
        let many = try Hive(path: Corpus.path("yarp/hives_for_tests/ManySubkeysHive"))
        let found = try many.key(path: "key_with_MAny_subkeys\\2119\\find_me")
        #expect(found.name == "find_me")
        #expect(try many.parent(of: found)?.name == "2119")
        #expect(try many.parent(of: many.rootKey()) == nil)
        let uni = try Hive(path: Corpus.path("yarp/hives_for_tests/UnicodeHive"))
        #expect(try uni.key(path: "ПриВет\\КлюЧ").name == "Ключ")
        #expect(try uni.security(of: uni.rootKey()).descriptor.count == 144)
        #expect(throws: HiveError.keyNotFound(path: "nope")) { try many.key(path: "nope") }
    }

    @Test func subkeyOrderFollowsWindowsUpcase() throws {
        for file in ["yarp/hives_for_tests/UpcaseHive", "yarp/hives_for_tests/PairHive"] {
            let hive = try Hive(path: Corpus.path(file))
            let names = try hive.subkeys(of: hive.rootKey()).map(\.name)
            #expect(names.count == 3 && names[0] == "ss1" && names[1] == "SS3", "\(file)")
            if file.hasSuffix("UpcaseHive") {
                #expect(names[2] == "ß2")
            } else {
                // A surrogate pair (D801 …) sorts after every BMP letter below U+D800.
                #expect(names[2].codeUnits.count == 2 && UTF16.isLeadSurrogate(names[2].codeUnits[0]))
            }
        }
    }

    @Test func offregTesthive() throws {
        let hive = try Hive(path: Corpus.path("nt-hive/testdata/testhive"))
        let root = try hive.rootKey()
        #expect(root.name == "ROOT")
        #expect(!root.flags.contains(.hiveEntry))
        let data = try hive.key(path: "big-data-test")
        for (name, length, byte) in [("A", 16343, UInt8(ascii: "A")), ("B", 16344, UInt8(ascii: "B")), ("C", 16345, UInt8(ascii: "C"))] {
            let v = try #require(try hive.value(of: data, named: RegistryName(name)))
            let bytes = try hive.data(of: v).bytes
            #expect(bytes.count == length && bytes.allSatisfy { $0 == byte }, "\(name)")
        }
        // Full-width A/a fold to one key (BMP); Deseret U+10410/U+10438 are two keys (no folding
        // outside the BMP).
        let names = try hive.subkeys(of: hive.key(path: "character-encoding-test")).map(\.name)
        #expect(names.contains(RegistryName("\u{10410}")) && names.contains(RegistryName("\u{10438}")))
        #expect(names.filter { $0.equalsIgnoringCase(RegistryName("\u{FF21}")) }.count == 1)
        #expect(try hive.key(path: "character-encoding-test\\\u{FF41}").name == RegistryName("\u{FF21}"))
    }

    @Test func bigDataHive() throws {
        let hive = try Hive(path: Corpus.path("yarp/hives_for_tests/BigDataHive"))
        let key = try hive.key(path: "key_with_bigdata")
        let def = try hive.data(of: #require(try hive.value(of: key, named: "")))
        #expect(def.count == 16345 && def.bytes.allSatisfy { $0 == UInt8(ascii: "1") })
        let v = try hive.data(of: #require(try hive.value(of: key, named: "V")))
        #expect(v.count == 81725 && v.bytes.allSatisfy { $0 == UInt8(ascii: "2") })
    }

    /// NT 3.1's v1.1 layout: 16-byte cells whose data starts 8 bytes in. The file holds 203 nk
    /// and 482 vk cells, all allocated (a census of its bins), and every one is reachable.
    @Test func version1_1FromNT31() throws {
        let hive = try Hive(path: Corpus.path("regf-samples/3.1/SOFTWARE"))
        #expect(hive.minorVersion == 1 && hive.warnings.isEmpty)
        var keys = 0, values = 0
        try hive.walk(from: hive.rootKey()) { key, _ throws(HiveError) in
            keys += 1
            try hive.forEachValue(of: key) { _ throws(HiveError) in values += 1 }
            return .descend
        }
        #expect(keys == 203 && values == 482)
        let current = try hive.key(path: "microsoft\\WINDOWS NT\\CurrentVersion")
        func text(_ name: String) throws -> String? {
            guard let v = try hive.value(of: current, named: RegistryName(name)) else { return nil }
            let units = try hive.data(of: v).bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
            return String(decoding: units.prefix { $0 != 0 }, as: UTF16.self)
        }
        #expect(try text("CurrentVersion") == "3.1")
        #expect(try text("CurrentBuild") == "1.528.1 () (July 1993)")
        #expect(try hive.rootKey().name.description == "Software")
    }

    /// A db whose segment list is a large cell could declare far more data than the file holds
    /// (every entry naming one segment): refused before anything is allocated.
    @Test func bigDataLargerThanTheHiveIsRefused() throws {
        let path = Corpus.path("yarp/hives_for_tests/BigDataHive")
        let original = try Hive(path: path)
        let v = try #require(try original.value(of: original.key(path: "key_with_bigdata"), named: "V"))
        let db = try original.cell(at: v.dataOffset)
        let list = try original.cell(at: db.bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let firstSegment = list.bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let segmentCell = try original.cell(at: firstSegment)
        let entries = segmentCell.length / 4
        var bytes = Array(original.storage.bytes)
        func put32(_ value: UInt32, at fileOffset: Int) {
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(fileOffset..<fileOffset + 4, with: $0) }
        }
        let cellData = { (offset: UInt32) in 4096 + Int(offset) + 4 }
        put32(UInt32(entries * Hive.bigDataSegmentSize), at: cellData(v.offset) + 4)    // declared size
        bytes[cellData(db.offset) + 2] = UInt8(entries & 0xFF)                            // segment count
        bytes[cellData(db.offset) + 3] = UInt8(entries >> 8)
        put32(firstSegment, at: cellData(db.offset) + 4)                                  // list = a segment
        let hive = try Hive(bytes: bytes)
        let patched = try #require(try hive.value(of: hive.key(path: "key_with_bigdata"), named: "V"))
        #expect(entries * Hive.bigDataSegmentSize > Int(hive.binsLimit))
        #expect(throws: HiveError.self) { _ = try hive.data(of: patched) }
        do { _ = try hive.data(of: patched) } catch {
            #expect("\(error)".contains("more than the hive's"), "\(error)")
        }
    }

    @Test func layeredKeysOnADifferencingHive() throws {
        let hive = try Hive(path: Corpus.path("yarp/hives_for_tests/System_Delta"))
        #expect(hive.baseBlock.minorVersion == 6)
        var tombstones = 0
        try hive.walk(from: hive.rootKey()) { key, _ throws(HiveError) in
            if key.name.description == "XBOXGIP" { #expect(key.layerSemantics == 1) }
            try hive.forEachValue(of: key) { v throws(HiveError) in if v.isTombstone { tombstones += 1 } }
            return .descend
        }
        #expect(tombstones >= 1)
    }

    @Test func valuesEnumerateInListOrder() throws {
        let hive = try Hive(path: Corpus.path("yarp/hives_for_tests/ValuesOrderHive"))
        var names: [String] = []
        try hive.forEachValue(of: hive.rootKey()) { v throws(HiveError) in names.append(v.name.description) }
        #expect(names.count == 3)
        #expect(names != names.sorted(), "the list is stored unsorted and must be enumerated as stored")
    }
}
