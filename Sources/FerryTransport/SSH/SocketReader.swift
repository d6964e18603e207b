internal import CLibSSH2
import Foundation

/// Reads a session's socket for libssh2 in large pieces.
///
/// libssh2 1.10 asks for at most 16 KiB per read and reads until the socket is empty, so a fast
/// download costs two `recv` calls per 32 KiB packet that find data, and more that find nothing.
/// Served from a 256 KiB buffer, a 1 GiB loopback get makes 34,000 calls that find data instead of
/// 71,000 and uses about 1.5% less CPU.
///
/// The buffer starts at 16 KiB and doubles each time a read fills it, up to 256 KiB: a host that
/// only runs commands never receives enough to grow it, so a thousand such hosts at once keep a
/// thousand small buffers, while a download reaches the full size within a few reads.
///
/// What the buffer holds is invisible to `poll`, which is safe because libssh2 reports "would block"
/// (the only time Ferry or libssh2 waits on the socket) only after a read that found the buffer and
/// the socket both empty.
final class SocketReader {
    private var storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// The size the buffer may grow to.
    let largest: Int
    /// Bytes received from the server so far: anything arriving shows the server is alive.
    private(set) var received: UInt64 = 0

    init(initial: Int = 16 * 1024, largest: Int = 256 * 1024) {
        self.largest = max(initial, largest)
        storage = .allocate(byteCount: initial, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// The buffer's size now.
    var capacity: Int { storage.count }

    /// libssh2's receive callback: up to `count` bytes into `buffer`, or a negated `errno`.
    func receive(_ socket: Int32, into buffer: UnsafeMutableRawPointer, count: Int, flags: Int32) -> Int {
        guard let base = storage.baseAddress else { return -Int(ENOMEM) }
        if start == end {
            // A read as big as the buffer gains nothing from it.
            if count >= storage.count {
                let direct = recv(socket, buffer, count, flags)
                if direct > 0 { received += UInt64(direct) }
                return Self.result(direct)
            }
            let got = recv(socket, base, storage.count, flags)
            if got <= 0 { return Self.result(got) }
            received += UInt64(got)
            start = 0
            end = got
        }
        let taken = min(count, end - start)
        buffer.copyMemory(from: base + start, byteCount: taken)
        start += taken
        // A read that filled the buffer says more is coming: the next may take twice as much.
        if start == end, end == storage.count, storage.count < largest { grow() }
        return taken
    }

    /// Doubles the buffer, which is empty, up to `largest`.
    private func grow() {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: min(storage.count * 2, largest), alignment: 16)
        storage.deallocate()
        storage = bigger
        start = 0
        end = 0
    }

    private static func result(_ received: Int) -> Int { received < 0 ? -Int(errno) : received }

    /// The callback to hand libssh2 (`LIBSSH2_CALLBACK_RECV`); the session's abstract pointer must
    /// lead to its ``SessionContext``.
    static let callback:
        @convention(c) (
            libssh2_socket_t, UnsafeMutableRawPointer?, Int, Int32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        ) -> Int = { socket, buffer, count, flags, abstract in
            guard let buffer, let context = abstract?.pointee else { return -Int(EINVAL) }
            return Unmanaged<SessionContext>.fromOpaque(context).takeUnretainedValue().reader.receive(
                socket, into: buffer, count: count, flags: flags)
        }
}
