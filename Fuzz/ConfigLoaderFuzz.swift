// libFuzzer harness for the configuration loader (YAML → ForwarderConfig). Forwarder and its
// dependencies are built by SwiftPM with --sanitize fuzzer,address (Fuzz/fuzz.sh); this file
// is linked against them, so internal API is reached through @testable import.
@testable import Forwarder

private let file = "/etc/mdca-forwarder/fuzz.yaml"
private let environment = ["STATE_DIRECTORY": "/var/lib/mdca-forwarder", "MDCA_TOKEN": "t", "CS": "s"]

@_cdecl("LLVMFuzzerTestOneInput")
public func configLoaderFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let config: ForwarderConfig
    do {
        config = try ConfigLoader.parse(yaml: text, file: file, environment: environment, checkSecrets: false)
    } catch {
        // Refused with exit 78, naming the file and saying what was expected.
        check(error.exitCode == 78 && error.file == file, "error \(error) not about \(file)")
        check(!error.message.isEmpty, "a refusal without a message")
        return 0
    }
    // What `check-config` prints is itself a configuration meaning the same thing (a proxy's
    // password is redacted, so such a configuration reloads with REDACTED in its place).
    let rendered = config.renderEffective()
    do {
        let reloaded = try ConfigLoader.parse(yaml: rendered, file: file, environment: environment, checkSecrets: false)
        if !rendered.contains("REDACTED") {
            check(reloaded == config, "the rendered configuration loads back differently:\n\(rendered)")
        }
    } catch {
        check(false, "the rendered configuration is refused: \(error)\n\(rendered)")
    }
    return 0
}
