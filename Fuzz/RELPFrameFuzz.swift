// libFuzzer harness for the RELP frame decoder (Sources/Outputs/RELP/RELPFrame*.swift and
// RELPProtocolError.swift compiled in): what a RELP server sends, in arbitrary pieces.

/// Decodes `bytes` delivered in pieces of `pieces` sizes (cycled); the frames up to the first
/// error, and whether an error ended it.
private func decode(_ bytes: [UInt8], pieces: [Int], maxDataLength: Int) -> (frames: [RELPFrame], failed: Bool, buffered: Int) {
    var decoder = RELPFrameDecoder(maxDataLength: maxDataLength)
    var frames: [RELPFrame] = []
    var index = 0, piece = 0
    while index < bytes.count {
        let size = max(1, pieces.isEmpty ? bytes.count : pieces[piece % pieces.count])
        piece += 1
        decoder.append(bytes[index..<min(bytes.count, index + size)])
        index += size
        do {
            while let frame = try decoder.next() { frames.append(frame) }
        } catch {
            return (frames, true, decoder.bufferedCount)
        }
    }
    return (frames, false, decoder.bufferedCount)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func relpFrameFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    // The first byte chooses the piece sizes and the data limit; the rest is the stream.
    let stream = Array(input.dropFirst())
    let maxDataLength = first & 0x80 == 0 ? 64 * 1024 : Int(first & 0x3F)
    let whole = decode(stream, pieces: [], maxDataLength: maxDataLength)
    let split = decode(stream, pieces: [Int(first & 0x07) + 1, Int(first >> 3 & 0x0F) + 1], maxDataLength: maxDataLength)
    // How the bytes were cut never changes what is decoded.
    check(whole.frames == split.frames, "frames depend on how the stream was split")
    check(whole.failed == split.failed, "an error depends on how the stream was split")
    for frame in whole.frames {
        check(frame.txnr >= 0 && frame.txnr <= RELPFrame.maxNumber, "TXNR \(frame.txnr) out of range")
        check(!frame.command.isEmpty && frame.command.utf8.count <= RELPFrame.maxCommandLength, "COMMAND length")
        check(frame.data.count <= maxDataLength, "DATALEN \(frame.data.count) over the limit \(maxDataLength)")
        // A decoded frame encodes to one that decodes to itself.
        do {
            let again = try RELPFrameDecoder.parse(frame.encoded, from: 0, maxDataLength: maxDataLength)
            check(again?.0 == frame && again?.1 == frame.encoded.count, "re-encoded frame \(frame.txnr) decodes differently")
        } catch {
            check(false, "re-encoded frame \(frame.txnr) does not decode: \(error)")
        }
    }
    if !whole.failed {
        let consumed = whole.frames.reduce(0) { $0 + $1.encoded.count }
        check(consumed + whole.buffered <= stream.count, "decoded more bytes than received")
    }
    return 0
}
