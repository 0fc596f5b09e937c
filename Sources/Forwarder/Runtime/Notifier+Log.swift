import Logging
import Systemd

extension Notifier {
    /// Sends `body`'s notification; a failure is logged (systemd then restarts or times us
    /// out on its own schedule) rather than stopping the daemon.
    func send(_ what: String, logger: Logger, _ body: (Notifier) throws -> Bool) {
        do {
            _ = try body(self)
        } catch {
            logger.warning("sd_notify failed", error: error, metadata: ["notify.message": "\(what)"])
        }
    }
}
