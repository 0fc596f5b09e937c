import ActivityJSON
import Foundation
import Formats

// decode + CEF format throughput on one core (`make bench`). Usage:
//   decode-format-bench [--samples activities-real.json] [--seconds 1.5] [--page-size 5000] [--only pipeline]
// Every figure is CPU time of this thread (CLOCK_THREAD_CPUTIME_ID), not wall time.

var samples: String?
var seconds = 1.5
var pageSize = 5000
var only: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--samples": samples = arguments.next()
    case "--seconds": seconds = Double(arguments.next() ?? "") ?? seconds
    case "--page-size": pageSize = Int(arguments.next() ?? "") ?? pageSize
    case "--only": only = arguments.next()   // one variant by case name, e.g. for a profiler
    default:
        FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
        exit(64)
    }
}

var corpora: [(name: String, page: [UInt8])] = []
corpora.append(("simulator", try await PageCorpus.simulator(pageSize: pageSize)))
corpora.append(("simulator 5 KB", try await PageCorpus.simulator(pageSize: pageSize, recordBytes: 5_000)))
if let samples {
    corpora.append(("real samples", try PageCorpus.real(samplesFile: samples, pageSize: pageSize)))
}

let encoder = MessageEncoder(options: MessageOptions(format: .cef, syslog: .rfc5424, hostname: "bench-host"))
/// The `json` format at the default cap: validation, escaping and (rarely) shortening.
let jsonEncoder = MessageEncoder(options: MessageOptions(format: .json, syslog: .rfc5424, hostname: "bench-host"))
let nowMs: Int64 = 1_763_700_000_000

/// What one pass over a page does.
enum Variant: String, CaseIterable {
    /// `ActivityPage.parse` only.
    case parse = "parse"
    /// Parse, then every record CEF + RFC 5424 encoded and LF-framed into one reused buffer.
    case stream = "parse+cef (one buffer)"
    /// Parse, every message encoded into one reused buffer with an end offset each, then
    /// framed into a reused send buffer: what Delivery (`MessageBatch`) + StreamOutput do.
    case pipeline = "parse+cef (pipeline)"
    /// One `[UInt8]` per message, without a batch buffer: the per-message arrays Delivery
    /// used before `MessageBatch`.
    case messages = "parse+cef (arrays only)"
    /// One `[UInt8]` per message, each encoded into a reused scratch buffer and copied out at
    /// its exact size, then framed into a fresh batch buffer.
    case scratch = "parse+cef (scratch)"
    /// As `stream` with the `json` payload format.
    case json = "parse+json (one buffer)"
}

/// Runs `variant` over `page` until `seconds` of CPU passed; returns (cpu, passes, records, output bytes).
func measure(
    _ variant: Variant, _ page: [UInt8], seconds: Double, encoder: MessageEncoder, nowMs: Int64
) throws -> (cpu: Double, passes: Int, records: Int, out: Int) {
    var buffer: [UInt8] = []
    var ends: [Int] = []
    var send: [UInt8] = []
    var passes = 0, records = 0, out = 0
    let start = CPUClock.threadSeconds()
    var elapsed = 0.0
    while elapsed < seconds || passes < 3 {
        let parsed = try ActivityPage.parse(page)
        records += parsed.records.count
        switch variant {
        case .parse:
            break
        case .stream, .json:
            let encoder = variant == .json ? jsonEncoder : encoder
            buffer.removeAll(keepingCapacity: true)
            for record in parsed.records {
                encoder.encode(record, unixMilliseconds: nowMs, into: &buffer)
                buffer.append(0x0A)
            }
            out += buffer.count
        case .pipeline:
            buffer.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            for record in parsed.records {
                encoder.encode(record, unixMilliseconds: nowMs, into: &buffer)
                ends.append(buffer.count)
            }
            send.removeAll(keepingCapacity: true)
            send.reserveCapacity(buffer.count + ends.count)
            var start = 0
            for end in ends {
                Framing.lf.append(buffer[start..<end], into: &send)
                start = end
            }
            out += send.count
        case .scratch:
            var messages: [[UInt8]] = []
            for record in parsed.records {
                buffer.removeAll(keepingCapacity: true)
                encoder.encode(record, unixMilliseconds: nowMs, into: &buffer)
                messages.append(Array(buffer))
            }
            var batch: [UInt8] = []
            batch.reserveCapacity(messages.reduce(0) { $0 + $1.count + 8 })
            for message in messages { Framing.lf.append(message, into: &batch) }
            out += batch.count
        case .messages:
            var messages: [[UInt8]] = []
            for record in parsed.records {
                var message: [UInt8] = []
                encoder.encode(record, unixMilliseconds: nowMs, into: &message)
                messages.append(message)
            }
            out += messages.reduce(0) { $0 + $1.count }
        }
        passes += 1
        elapsed = CPUClock.threadSeconds() - start
    }
    return (elapsed, passes, records, out)
}

func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
func left(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }

print("decode + CEF or JSON (RFC 5424) on one core, pages of \(pageSize) records, >= \(seconds) s CPU each")
print(pad("page", 16) + pad("work", 26) + left("page KB", 9) + left("rec B", 7) + left("MB/s in", 9)
      + left("act/s", 11) + left("MB/s out", 10) + left("µs/page", 9))
for corpus in corpora {
    for variant in Variant.allCases where only == nil || only == "\(variant)" {
        let r = try measure(variant, corpus.page, seconds: seconds, encoder: encoder, nowMs: nowMs)
        let inMB = Double(corpus.page.count * r.passes) / 1e6
        print(pad(corpus.name, 16) + pad(variant.rawValue, 26)
              + left(fixed(Double(corpus.page.count) / 1024, 0), 9)
              + left("\(corpus.page.count / pageSize)", 7)
              + left(fixed(inMB / r.cpu, 0), 9)
              + left(fixed(Double(r.records) / r.cpu, 0), 11)
              + left(variant == .parse ? "-" : fixed(Double(r.out) / 1e6 / r.cpu, 0), 10)
              + left(fixed(r.cpu / Double(r.passes) * 1e6, 0), 9))
    }
}
print("peak RSS of this process: \(fixed(CPUClock.peakRSSMiB(), 1)) MiB")
