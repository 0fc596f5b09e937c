import ArgumentParser
import Forwarder

@main
struct MDCAForwarderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mdca-forwarder", abstract: "Streams Defender for Cloud Apps activities to a SIEM.")
    func run() async throws {}
}
