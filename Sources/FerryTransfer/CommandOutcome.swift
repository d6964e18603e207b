import FerryTransport

/// What to do after a command.
public enum Flow: Sendable, Equatable {
    case proceed, quit
    /// A barrier held the host: run nothing more.
    case hold
}

/// What one command did: the value the batch runner records, the report lists and the prompt reads.
///
/// A command that fails carries what it did before failing in its ``CommandFailure/outcome``: the
/// bytes a failed transfer moved, the exit status of a remote command that exited non-zero, the
/// figures of a `ping-mtu` that found a mismatch.
public struct CommandOutcome: Sendable, Equatable {
    /// Whether to go on to the next command.
    public var flow: Flow = .proceed
    /// Files moved completely.
    public var files = 0
    /// Bytes moved: file data, or a remote command's stdout plus stderr.
    public var bytes: UInt64 = 0
    /// How a remote command (`run`) ended.
    public var remoteEnd: RemoteCommandEnd?
    /// What a path-MTU measurement found.
    public var mtu: MTUFigures?
    /// What a `mirror` did.
    public var mirror: MirrorSummary?
    /// The name `run` kept the command's output under in the host's folder (`NAME.stdout`,
    /// `NAME.stderr`, `NAME.json`).
    public var output: String?

    /// Creates an outcome; an empty one is a command that finished with nothing to count.
    public init(
        flow: Flow = .proceed, files: Int = 0, bytes: UInt64 = 0, remoteEnd: RemoteCommandEnd? = nil,
        mtu: MTUFigures? = nil
    ) {
        self.flow = flow
        self.files = files
        self.bytes = bytes
        self.remoteEnd = remoteEnd
        self.mtu = mtu
    }
}

extension CommandFailure {
    /// This failure, noting what the command did before it failed.
    package func having(_ outcome: CommandOutcome) -> CommandFailure {
        var failure = self
        failure.outcome = outcome
        return failure
    }
}
