/// Reading values whose spelling changed: a report written by an earlier Ferry must still read.
extension RawRepresentable where RawValue == String {
    /// The value `decoder` holds, reading each earlier spelling in `renamed` as the value it became.
    public static func decode(from decoder: any Decoder, renamed: [String: Self]) throws -> Self {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = renamed[text] ?? Self(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "unknown value '\(text)'"))
        }
        return value
    }
}
