/// An SFTP protocol status code (draft-ietf-secsh-filexfer-02 and later), named in words.
///
/// Codes the table does not know keep their number.
public struct SFTPStatus: RawRepresentable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt

    public init(rawValue: UInt) { self.rawValue = rawValue }

    public static let eof = SFTPStatus(rawValue: 1)
    public static let noSuchFile = SFTPStatus(rawValue: 2)
    public static let permissionDenied = SFTPStatus(rawValue: 3)
    public static let failure = SFTPStatus(rawValue: 4)
    public static let badMessage = SFTPStatus(rawValue: 5)
    public static let noConnection = SFTPStatus(rawValue: 6)
    public static let connectionLost = SFTPStatus(rawValue: 7)
    public static let unsupported = SFTPStatus(rawValue: 8)
    public static let fileAlreadyExists = SFTPStatus(rawValue: 11)
    public static let writeProtect = SFTPStatus(rawValue: 12)
    public static let noMedia = SFTPStatus(rawValue: 13)
    public static let noSpace = SFTPStatus(rawValue: 14)
    public static let quotaExceeded = SFTPStatus(rawValue: 15)
    public static let directoryNotEmpty = SFTPStatus(rawValue: 18)
    public static let notADirectory = SFTPStatus(rawValue: 19)
    public static let invalidFilename = SFTPStatus(rawValue: 20)
    public static let linkLoop = SFTPStatus(rawValue: 21)

    public var description: String {
        switch rawValue {
        case 1: "end of file"
        case 2: "no such file or directory"
        case 3: "permission denied"
        case 4: "failure"
        case 5: "bad message"
        case 6: "no connection"
        case 7: "connection lost"
        case 8: "operation unsupported"
        case 9: "invalid handle"
        case 10: "no such path"
        case 11: "file already exists"
        case 12: "write protected"
        case 13: "no media"
        case 14: "no space left on device"
        case 15: "quota exceeded"
        case 16: "unknown principal"
        case 17: "lock conflict"
        case 18: "directory not empty"
        case 19: "not a directory"
        case 20: "invalid filename"
        case 21: "too many symbolic links"
        default: "SFTP status \(rawValue)"
        }
    }
}
