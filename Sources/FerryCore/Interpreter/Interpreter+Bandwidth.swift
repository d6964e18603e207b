import FerryBase
import FerryTransfer

extension Interpreter {
    /// `bwlimit RATE`: this host's transfers from here on are capped at `caps` (`.none` lifts the
    /// script's own cap); says the cap now in force, every cap that applies together.
    func capTransfers(_ caps: BandwidthCaps) {
        bandwidth.setScriptCaps(caps)
        let now = bandwidth.caps
        console.print(now.isNone ? "Transfers are not capped" : "Transfers are capped at \(now.description)")
    }
}
