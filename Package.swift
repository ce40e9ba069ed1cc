// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Hivekeeper",
    products: [
        .library(name: "RegistryTypes", targets: ["RegistryTypes"]),
        .library(name: "HiveFormat", targets: ["HiveFormat"]),
        .library(name: "RegText", targets: ["RegText"]),
        .library(name: "Security", targets: ["Security"]),
        .library(name: "Registry", targets: ["Registry"]),
        .library(name: "Profiles", targets: ["Profiles"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "RegistryClient", targets: ["RegistryClient"]),
        .executable(name: "hivekeeperd", targets: ["hivekeeperd"]),
        .executable(name: "hivekeeper", targets: ["hivekeeper"]),
        // libhivekeeper.so for C (scripts/install-c installs it as PREFIX/lib/libhivekeeper.so).
        .library(name: "HivekeeperC", type: .dynamic, targets: ["libhivekeeper"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The registry's shared vocabulary, doing no I/O (as NIOCore is to NIOPosix): Win32Error,
        // NTStatus, handles, names as UTF-16, value types, options, FILETIME.
        .target(name: "RegistryTypes"),
        // The registry API both the in-process registry and the client implement (RegistryAPI).
        .target(name: "RegistryInterface", dependencies: ["RegistryTypes", "Security", "Locking"]),
        // regf bytes: base block, bins, cells, records. Knows nothing above bytes.
        .target(name: "HiveFormat", dependencies: ["RegistryTypes"]),
        // .reg and JSON text rendering. Independent of HiveFormat: it takes names and raw data.
        .target(name: "RegText"),
        // SIDs, ACEs/ACLs, security descriptors, SDDL, tokens, the access check. Knows nothing of keys.
        .target(name: "Security"),
        // The configuration manager: namespace, key objects, handles, Win32 errors, load/unload.
        .target(name: "Registry", dependencies: ["RegistryTypes", "RegistryInterface", "HiveFormat", "Security", "CFileIdentity", "Locking"]),
        // The one lock type (a pthread mutex ThreadSanitizer can see), for every module.
        .target(name: "Locking"),
        // Checks of the paths a daemon or the demo is told to use, said with the path and reason.
        .target(name: "StartupPaths"),
        // Per-thread file credentials (setfsuid, setfsgid, the raw setgroups call).
        .target(name: "CFileIdentity"),
        // The C library (issue 30): Windows' headers, and Swift implementing them.
        .target(name: "CHivekeeper"),
        .target(name: "HivekeeperWinreg", dependencies: ["CHivekeeper", "RegistryClient", "RegistryTypes", "Wire", "Locking"]),
        .target(name: "HivekeeperOffreg", dependencies: ["CHivekeeper", "HiveFormat", "Security", "Locking"]),
        .target(
            name: "libhivekeeper", dependencies: ["HivekeeperWinreg", "HivekeeperOffreg"],
            // The Swift runtime inside the .so (C programs need no toolchain); its SONAME is the
            // name it is installed under.
            linkerSettings: [
                .unsafeFlags(["-static-stdlib", "-Xlinker", "-soname=libhivekeeper.so"]),
                // What the static Foundation (RegistryClient's) needs and -static-stdlib does not
                // bring into a shared library: without them a C program calling any function fails
                // to link (undefined CF* symbols).
                .linkedLibrary("CoreFoundation"), .linkedLibrary("_FoundationICU"),
                .linkedLibrary("_FoundationCollections"), .linkedLibrary("_FoundationCShims"),
            ]
        ),
        // Accounts, impersonation, HKCU's resolution, the profile service and its logoff, roaming.
        .target(name: "Profiles", dependencies: [
            "Registry", "RegistryTypes", "HiveFormat", "Security", "Locking", .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // The machine hives' first-start set-up and the boot-time links (HKLM\SYSTEM\CurrentControlSet).
        .target(name: "MachineSetup", dependencies: ["Profiles", "Registry", "HiveFormat", "Security"]),
        // A RoamingStore on an SMB share: libsmbclient, loaded at run time.
        .target(name: "RoamingSMB", dependencies: ["Profiles", "HiveFormat", "Locking"]),
        // The protocol between hivekeeperd and its clients: messages, their codec, framing.
        .target(name: "Wire", dependencies: ["RegistryTypes"]),
        // The daemon's server side: a SwiftNIO server on a Unix socket, identity from SO_PEERCRED.
        .target(
            name: "RegistryServer",
            dependencies: [
                "Wire", "Profiles", "MachineSetup", "RoamingSMB", "Registry", "Security", "HiveFormat", "StartupPaths", "Locking",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The client library: the registry API over the daemon's socket.
        .target(name: "RegistryClient", dependencies: ["Wire", "RegistryTypes", "RegistryInterface", "Security", "Locking", "CClientShims"]),
        // epoll and eventfd for the client's I/O loop (Swift's Glibc module does not bring them).
        .target(name: "CClientShims"),
        .executableTarget(
            name: "hivekeeperd",
            dependencies: [
                "RegistryServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "hivekeeper",
            dependencies: [
                // Not RegistryServer, Registry or Profiles: `demo` starts the hivekeeperd executable (DaemonProcess).
                "HiveFormat", "RegText", "Security", "RegistryClient", "Wire", "RegistryTypes", "Locking", "StartupPaths",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // scripts/bench-read's measuring side (not a test: benchmarks are numbers for people).
        .executableTarget(name: "hivekeeper-bench", dependencies: ["HiveFormat", "Registry", "Security", "Profiles", "RoamingSMB", "RegistryClient"]),
        // The crash tests' child: random edits and flushes (or SMB uploads) in a loop, killed at
        // random moments.
        .executableTarget(name: "hivekeeper-crashtest", dependencies: ["HiveFormat", "Profiles", "RoamingSMB"]),
        // libFuzzer targets for every parser of untrusted bytes (scripts/fuzz TARGET SECONDS builds
        // them with -DFUZZING, coverage and AddressSanitizer); the normal build makes replayers.
        .target(name: "FuzzHarness", dependencies: ["HiveFormat", "RegText", "Wire"]),
        .executableTarget(name: "fuzz-hive", dependencies: ["FuzzHarness"]),
        .executableTarget(name: "fuzz-regfile", dependencies: ["FuzzHarness"]),
        .executableTarget(name: "fuzz-wire", dependencies: ["FuzzHarness"]),
        // Corpus location and a process runner shared by the test targets.
        .target(name: "TestSupport", dependencies: ["HiveFormat"], path: "Tests/TestSupport"),
        .testTarget(name: "HiveFormatTests", dependencies: ["HiveFormat", "TestSupport", "hivekeeper-crashtest"]),
        .testTarget(name: "RegTextTests", dependencies: ["RegText"]),
        .testTarget(name: "SecurityTests", dependencies: ["Security", "HiveFormat", "TestSupport"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "HiveFormat", "Security", "TestSupport"]),
        .testTarget(name: "ProfilesTests", dependencies: [
            "Profiles", "MachineSetup", "RoamingSMB", "Registry", "RegistryTypes", "HiveFormat", "Security", "Locking", "TestSupport",
        ]),
        .testTarget(name: "CLITests", dependencies: ["hivekeeper", "HiveFormat", "TestSupport"]),
        // C programs compiled against the installed libhivekeeper (their sources in C/).
        .testTarget(name: "CAPITests", dependencies: ["CHivekeeper", "RegistryTypes", "HiveFormat", "TestSupport", "hivekeeperd", "hivekeeper"], exclude: ["C"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "RegistryTypes"]),
        .testTarget(name: "FuzzHarnessTests", dependencies: ["FuzzHarness", "RegText", "TestSupport"]),
        .testTarget(name: "DaemonTests", dependencies: [
            "RegistryClient", "RegistryServer", "Wire", "Registry", "Profiles", "Security", "hivekeeperd", "hivekeeper", "TestSupport",
            .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
