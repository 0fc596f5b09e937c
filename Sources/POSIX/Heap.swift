#if canImport(Glibc)
import CMalloc
#endif

/// How the daemon asks glibc's allocator to give back what a catch-up borrowed.
///
/// Written by hand because no Swift package tunes the C allocator. The problem it solves: a
/// catch-up page (up to 5,000 records: a body of several MiB, its decoded records and their
/// encoded lines) is allocated on whichever pool threads run it. With its defaults glibc gives
/// each thread an arena of its own (up to eight per core), keeps the chunks freed in each, and
/// after the first large buffer is freed raises its mmap threshold, so that later large
/// buffers come from those arenas too. The resident size then climbs in steps with every
/// larger page and hardly comes down: over a long run it reads like a leak. The 30-minute soak
/// measured +92 MiB/h within the daemon's lives with the defaults, one 15-minute life going
/// from 70 to 88 MiB.
///
/// Measured in the same soak: two arenas and `malloc_trim` between polls alone still drift
/// (+55 MiB/h within lives, 47 → 58 MiB); fixing the mmap threshold as well keeps large
/// buffers out of the arenas, and the resident size stays flat (−5 MiB/h, 45–55 MiB).
public enum Heap {
    /// What `configure()` sets.
    public struct Settings: Sendable, Equatable {
        /// Arenas in all: two keep the pool's threads from each holding on to a heap of its own.
        public var arenas: Int32 = 2
        /// Blocks from this size on are mapped and unmapped on their own. Setting it fixes
        /// it: glibc then stops raising it after each large free, so page bodies, record
        /// arrays and encoded batches always go back to the kernel when released.
        public var mmapThreshold: Int32 = 128 * 1024
        /// Free memory at the top of a heap beyond this is returned at once.
        public var trimThreshold: Int32 = 128 * 1024

        public init() {}
    }

    /// Applies `settings` once, at start, before the streams run. Returns the parameters the
    /// allocator refused (empty when all were taken, and always on other C libraries).
    public static func configure(_ settings: Settings = Settings()) -> [String] {
        var refused: [String] = []
        #if canImport(Glibc)
        // mallopt returns 1 on success and 0 on error, without errno.
        if mallopt(M_ARENA_MAX, settings.arenas) != 1 { refused.append("M_ARENA_MAX=\(settings.arenas)") }
        if mallopt(M_MMAP_THRESHOLD, settings.mmapThreshold) != 1 { refused.append("M_MMAP_THRESHOLD=\(settings.mmapThreshold)") }
        if mallopt(M_TRIM_THRESHOLD, settings.trimThreshold) != 1 { refused.append("M_TRIM_THRESHOLD=\(settings.trimThreshold)") }
        #endif
        return refused
    }

    /// Hands free pages in the middle of every arena back to the kernel (`malloc_trim(0)`);
    /// true when some were returned. Called between polls, when the last page's buffers are
    /// all released. Bounded CPU work over the two arenas (no I/O, no wait), so it runs where
    /// the poll loop runs.
    @discardableResult
    public static func returnFreeMemory() -> Bool {
        #if canImport(Glibc)
        // malloc_trim's result is information (1: memory was released, 0: none could be),
        // not an error code.
        return malloc_trim(0) == 1
        #else
        return false
        #endif
    }
}
