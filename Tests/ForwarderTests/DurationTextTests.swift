@testable import Forwarder
import Testing

@Suite struct DurationTextTests {
    @Test(arguments: [("60s", Int64(60_000)), ("1500ms", 1_500), ("90m", 5_400_000), ("2d", 172_800_000),
                      ("1h30m", 5_400_000), ("1d2h3m4s5ms", 93_784_005), ("1m30s", 90_000), ("0s", 0)])
    func valid(text: String, milliseconds: Int64) {
        #expect(DurationText.milliseconds(text) == milliseconds)
    }

    @Test(arguments: ["", "60", "s", "1.5h", "-1s", "1 h", "1w", "1hm", "99999999999999999999d", "1h30"])
    func invalid(text: String) {
        #expect(DurationText.milliseconds(text) == nil)
    }

    @Test(arguments: [(Int64(60_000), "1m"), (5_400_000, "1h30m"), (172_800_000, "2d"), (1_500, "1s500ms"), (0, "0s")])
    func render(milliseconds: Int64, text: String) {
        #expect(DurationText.render(.milliseconds(milliseconds)) == text)
    }

    @Test func suggestions() {
        let keys = ["filters", "page_size", "poll_interval", "settle_time", "initial_lookback", "checkpoint_every"]
        #expect(KeySuggestion.closest(to: "pagesize", in: keys) == "page_size")
        #expect(KeySuggestion.closest(to: "Page-Size", in: keys) == "page_size")
        #expect(KeySuggestion.closest(to: "setle_time", in: keys) == "settle_time")
        #expect(KeySuggestion.closest(to: "xyz", in: keys) == nil)
    }
}
