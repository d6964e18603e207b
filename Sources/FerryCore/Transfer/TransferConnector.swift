import FerryBase
import FerryTransport

/// One of the transfer pool's extra connections: its files, and how to end it. Made and used on the
/// one worker thread that owns it.
struct TransferConnection {
    let files: any RemoteFileSystem
    let close: () -> Void
}

/// Opens the transfer pool's extra connections: SSH connections made from a recipe in use, in-memory
/// ones in unit tests.
protocol TransferConnector: Sendable {
    /// Opens a connection that holds `slot` under the cap on open connections; called on the worker
    /// thread that will own it.
    func open(slot: SessionGate.Slot) throws -> TransferConnection
}

/// Opens further SSH connections like the first one, their sockets registered with `cancellation`.
struct RecipeConnector: TransferConnector {
    let recipe: ReconnectRecipe
    let cancellation: Cancellation

    func open(slot: SessionGate.Slot) throws -> TransferConnection {
        let connection = try SSHConnection.open(recipe, slot: slot, cancellation: cancellation)
        return TransferConnection(files: try connection.sftp, close: { connection.close() })
    }
}
