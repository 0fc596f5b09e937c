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
/// larger page and hardly comes down: over a long run it reads like a leak. The soak measured
/// +57 MiB/h over one 15-minute life (70 → 88 MiB), +92 MiB/h within the lives of 30 minutes.
///
/// Two arenas, and `malloc_trim` between polls, keep it flat. Fixing the mmap and trim
/// thresholds as well was measured too: as flat, but 8 % more CPU per 100,000 activities
/// (every buffer over 128 KiB mapped and faulted in afresh), so they keep glibc's defaults.
public enum Heap {
    /// Arenas in all: two keep the pool's threads from each holding on to a heap of its own.
    public static let arenas: Int32 = 2

    /// Applies the allocator settings once, at start, before the streams run. Returns the
    /// parameters the allocator refused (empty when all were taken, and always on other C
    /// libraries).
    public static func configure() -> [String] {
        var refused: [String] = []
        #if canImport(Glibc)
        // mallopt returns 1 on success and 0 on error, without errno.
        if mallopt(M_ARENA_MAX, arenas) != 1 { refused.append("M_ARENA_MAX=\(arenas)") }
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
