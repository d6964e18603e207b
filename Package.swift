// swift-tools-version: 6.0
// Ferry builds on Linux (Glibc, Debian's libssh2, libargon2 and libedit); no other platform is claimed.
import PackageDescription

let package = Package(
    name: "Ferry",
    products: [
        .executable(name: "ferry", targets: ["ferry"]),
        .library(
            name: "FerryKit",
            targets: [
                "FerryBase", "FerryScript", "FerryTransport", "FerrySessions", "FerryTransfer", "FerryCore",
                "FerryApp",
            ]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),
        .systemLibrary(
            name: "CArgon2",
            pkgConfig: "libargon2",
            providers: [.apt(["libargon2-dev"])]
        ),
        .systemLibrary(
            name: "CLibEdit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "CFerryCipher", linkerSettings: [.linkedLibrary("crypto")]),
        .target(name: "FerryBase"),
        .target(name: "FerryScript", dependencies: ["FerryBase"]),
        .target(
            name: "FerryTransport",
            dependencies: ["FerryBase", "FerryScript", "CLibSSH2", "CArgon2", "CFerryCipher"]
        ),
        .target(
            name: "FerrySessions",
            dependencies: [
                "FerryBase", "FerryScript", "FerryTransport",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "FerryTransfer",
            dependencies: ["FerryBase", "FerryScript", "FerryTransport"]
        ),
        .target(
            name: "FerryCore",
            dependencies: ["FerryBase", "FerryScript", "FerryTransport", "FerrySessions", "FerryTransfer"]
        ),
        .target(
            name: "FerryApp",
            dependencies: ["FerryBase", "FerryScript", "FerryTransport", "FerrySessions", "FerryTransfer", "FerryCore"]
        ),
        .target(name: "FerryLineEditor", dependencies: ["FerryBase", "FerryCore", "CLibEdit"]),
        .executableTarget(
            name: "ferry",
            dependencies: [
                "FerryBase", "FerryScript", "FerryTransport", "FerrySessions", "FerryTransfer", "FerryCore",
                "FerryApp", "FerryLineEditor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FerryKitTests",
            dependencies: [
                "FerryScript", "FerryBase", "FerryTransport", "FerrySessions", "FerryTransfer", "FerryCore",
                "FerryApp", "CFerryCipher", .product(name: "Yams", package: "Yams"),
            ]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "FerryScript", "FerryBase", "FerryTransport", "FerrySessions", "FerryTransfer", "FerryCore",
                "FerryApp",
            ],
            exclude: ["Fixtures", "Expected"]),
    ],
    swiftLanguageModes: [.v6]
)
