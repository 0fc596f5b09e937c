/// The `created` values of the generated backlog: non-decreasing, inside [start, end), with
/// runs of records sharing one millisecond.
enum BacklogSchedule {
    /// Page sizes whose edges the forced tie runs straddle (every multiple of 500, so 5000 too).
    static let pageEdge = 500
    /// A forced run covers positions edge−3 ..< edge+3.
    static let forcedRun = 6

    /// Sizes of the runs of equal `created`, in order; they add up to `count`. With
    /// `tieFraction` > 0 a run straddles every multiple of 500, so a scan from the start of the
    /// backlog at limit 500 or 5000 always meets a tie at its first page edge.
    static func runSizes(count: Int, tieFraction: Double, rng: inout SplitMix64) -> [Int] {
        guard tieFraction > 0 else { return Array(repeating: 1, count: max(count, 0)) }
        // A random run averages 4 records; choose the start probability so that about
        // tieFraction of all records are in runs.
        let f = min(tieFraction, 0.95)
        let startProbability = f / (4 - 3 * f)
        var sizes: [Int] = []
        var pos = 0
        while pos < count {
            let nextForced = pos % pageEdge <= pageEdge - 3
                ? pos - pos % pageEdge + pageEdge - 3
                : pos - pos % pageEdge + 2 * pageEdge - 3
            var size = 1
            if pos == nextForced {
                size = forcedRun
            } else if rng.chance(startProbability) {
                size = min(rng.int(2...6), nextForced - pos)
            }
            size = max(1, min(size, count - pos))
            sizes.append(size)
            pos += size
        }
        return sizes
    }

    /// One `created` ms per record, spreading the runs evenly over [start, end).
    static func createdTimes(count: Int, start: Int64, end: Int64, tieFraction: Double, seed: UInt64) -> [Int64] {
        var rng = SplitMix64(seed: seed, stream: ActivityGenerator.Stream.schedule.rawValue, index: 0)
        let sizes = runSizes(count: count, tieFraction: tieFraction, rng: &rng)
        let span = max(end - start, 1)
        let groups = Int64(max(sizes.count, 1))
        let slot = span / groups
        var times: [Int64] = []
        times.reserveCapacity(count)
        var previous = start - 1
        for (g, size) in sizes.enumerated() {
            let jitter = slot > 1 ? Int64(rng.next() % UInt64(slot / 2 + 1)) : 0
            // Strictly increasing between runs: equal `created` only inside a run.
            let t = max(start + Int64(g) * span / groups + jitter, previous + 1)
            times.append(contentsOf: repeatElement(t, count: size))
            previous = t
        }
        return times
    }
}
