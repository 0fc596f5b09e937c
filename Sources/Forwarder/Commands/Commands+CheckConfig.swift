import Foundation

extension Commands {
    /// `check-config`: validates the file (every error names the file, key path and what was
    /// expected; exit 78) and prints the effective configuration with secrets redacted. Runs as
    /// the units' ExecStartPre, so a bad file never reaches the daemon's restart loop.
    public static func checkConfig(configPath: String?) -> Int32 {
        switch loadConfig(configPath) {
        case .success(let (config, path)):
            print("# \(path): valid")
            print(config.renderEffective())
            return 0
        case .failure(let error):
            return fail(error, code: error.exitCode)
        }
    }
}
