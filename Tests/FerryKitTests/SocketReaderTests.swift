import Foundation
import Testing

@testable import FerryTransport

/// The big-piece socket reader libssh2 reads through: the same bytes in the same order, "would
/// block" only when nothing is buffered and the socket is empty, end of file and errors as libssh2
/// expects them (a count, 0, or a negated errno).
@Suite("Socket reader")
struct SocketReaderTests {
    /// A connected pair; the first end does not block.
    func socketPair() -> (Int32, Int32) {
        var ends: [Int32] = [-1, -1]
        _ = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends)
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        return (ends[0], ends[1])
    }

    func send(_ bytes: [UInt8], to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, 0) }
            #expect(sent > 0)
            if sent <= 0 { return }
            offset += sent
        }
    }

    func receive(_ reader: SocketReader, _ socket: Int32, _ count: Int) -> (Int, [UInt8]) {
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { raw in
            raw.baseAddress.map { reader.receive(socket, into: $0, count: count, flags: 0) } ?? -1
        }
        return (result, Array(bytes.prefix(max(result, 0))))
    }

    @Test func piecesOfEverySizeComeOutInOrder() {
        let (socket, peer) = socketPair()
        defer { [socket, peer].forEach { close($0) } }
        let reader = SocketReader(initial: 4096, largest: 4096)
        let data = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        send(data, to: peer)
        var got: [UInt8] = []
        for size in [1, 16, 4095, 4096, 5000, 3, 16_384, 100] where got.count < data.count {
            let (count, bytes) = receive(reader, socket, size)
            #expect(count > 0 && count <= size)
            got += bytes
        }
        while got.count < data.count {
            let (count, bytes) = receive(reader, socket, 777)
            #expect(count > 0)
            if count <= 0 { break }
            got += bytes
        }
        #expect(got == data)
        #expect(receive(reader, socket, 10).0 == -Int(EAGAIN))
    }

    @Test func whatIsBufferedIsServedBeforeTheSocketIsReadAgain() {
        let (socket, peer) = socketPair()
        defer { [socket, peer].forEach { close($0) } }
        let reader = SocketReader(initial: 4096, largest: 4096)
        send(Array(repeating: 1, count: 100), to: peer)
        #expect(receive(reader, socket, 10).0 == 10)
        send(Array(repeating: 2, count: 50), to: peer)
        let (count, bytes) = receive(reader, socket, 1000)
        #expect(count == 90 && bytes.allSatisfy { $0 == 1 })
        let (next, more) = receive(reader, socket, 1000)
        #expect(next == 50 && more.allSatisfy { $0 == 2 })
    }

    @Test func aReadAsBigAsTheBufferGoesStraightToTheSocket() {
        let (socket, peer) = socketPair()
        defer { [socket, peer].forEach { close($0) } }
        let reader = SocketReader(initial: 1024, largest: 1024)
        let data = (0..<3000).map { UInt8(truncatingIfNeeded: $0) }
        send(data, to: peer)
        let (count, bytes) = receive(reader, socket, 4096)
        #expect(count == 3000 && bytes == data)
    }

    /// A connection that receives little keeps a small buffer; one that fills it doubles it each
    /// time, up to the largest size, and the bytes still come out whole and in order.
    @Test func theBufferGrowsOnlyForAConnectionThatFillsIt() {
        let (socket, peer) = socketPair()
        defer { [socket, peer].forEach { close($0) } }
        let reader = SocketReader(initial: 1024, largest: 8192)
        for round in 0..<20 {
            send(Array(repeating: UInt8(round), count: 300), to: peer)
            let (count, bytes) = receive(reader, socket, 100)
            #expect(count == 100 && bytes.allSatisfy { $0 == UInt8(round) })
            #expect(receive(reader, socket, 1000).0 == 200)
        }
        #expect(reader.capacity == 1024)

        let data = (0..<60_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 9) }
        send(data, to: peer)
        var got: [UInt8] = []
        var sizes: [Int] = []
        while got.count < data.count {
            let (count, bytes) = receive(reader, socket, 512)
            #expect(count > 0)
            if count <= 0 { break }
            got += bytes
            if sizes.last != reader.capacity { sizes.append(reader.capacity) }
        }
        #expect(got == data)
        #expect(sizes == [1024, 2048, 4096, 8192])
    }

    @Test func endOfFileAndErrorsReachLibSSH2AsItExpectsThem() {
        let (socket, peer) = socketPair()
        let reader = SocketReader(initial: 1024, largest: 1024)
        send([9, 9, 9], to: peer)
        close(peer)
        #expect(receive(reader, socket, 2).0 == 2)
        #expect(receive(reader, socket, 2).0 == 1)
        #expect(receive(reader, socket, 2).0 == 0)
        close(socket)
        #expect(receive(reader, socket, 2).0 == -Int(EBADF))
    }
}
