import ArgumentParser
import Simulator

@main
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mdca-simulator", abstract: "A local Activities API.")
    func run() async throws {}
}
