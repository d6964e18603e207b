import FerryBase
import FerryTransport

/// One of the transfer pool's extra connections: its files, and how to end it. Made and used on the
/// one worker thread that owns it.
package struct TransferConnection {
    package let files: any RemoteFileSystem
    package let close: () -> Void
}

/// Opens the transfer pool's extra connections: SSH connections made from a recipe in use, in-memory
/// ones in unit tests.
package protocol TransferConnector: Sendable {
    /// Opens a connection that holds `slot` under the cap on open connections; called on the worker
    /// thread that will own it.
    func open(slot: SessionGate.Slot) throws -> TransferConnection
}

/// Opens further SSH connections like the first one, their sockets registered with `cancellation`.
package struct RecipeConnector: TransferConnector {
    package let recipe: ReconnectRecipe
    package let cancellation: Cancellation

    /// Creates a value from its parts.
    package init(
        recipe: ReconnectRecipe, cancellation: Cancellation
    ) {
        self.recipe = recipe
        self.cancellation = cancellation
    }

    package func open(slot: SessionGate.Slot) throws -> TransferConnection {
        let connection = try SSHConnection.open(recipe, slot: slot, cancellation: cancellation)
        return TransferConnection(files: try connection.sftp, close: { connection.close() })
    }
}
