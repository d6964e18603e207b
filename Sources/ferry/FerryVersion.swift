/// Ferry's version string, shown by `-V`.
enum FerryVersion {
    static let current = "0.1.0"
}
