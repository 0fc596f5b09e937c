import Logging

/// Picks the handler the product promises: journald when `JOURNAL_STREAM` says stderr is the
/// journal, plain lines on stderr otherwise. Call it from `LoggingSystem.bootstrap` in `main`.
public enum SystemdLogging {
    public static func makeHandler(
        label: String, logLevel: Logger.Level, identifier: String = "mdca-forwarder",
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> any LogHandler {
        if JournalLogHandler.isJournalStream() {
            var handler = JournalLogHandler(label: label, identifier: identifier, metadataProvider: metadataProvider)
            handler.logLevel = logLevel
            return handler
        }
        var handler = StderrLogHandler(label: label, metadataProvider: metadataProvider)
        handler.logLevel = logLevel
        return handler
    }
}
