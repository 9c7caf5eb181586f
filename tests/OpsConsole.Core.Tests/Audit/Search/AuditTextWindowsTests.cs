using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Core.Tests.Audit.Search;

public sealed class AuditTextWindowsTests
{
    [Fact]
    public void A_rare_term_gets_a_window_sized_for_the_matches_still_needed_with_a_margin_for_a_noisy_density()
    {
        // One match in the first 5,000 records, counted as two: 51 more need 51 × 2,500 records, times 1 + 2/√2.
        var windows = new AuditTextWindows(5000, 1);

        Assert.Equal(307_813, windows.Next(51));
    }

    [Fact]
    public void A_term_not_seen_yet_is_treated_as_one_match_just_missed()
    {
        var windows = new AuditTextWindows(5000, 0);

        Assert.Equal(765_000, windows.Next(51)); // 51 × 5,000 × 3: no match yet, the widest margin
    }

    [Fact]
    public void A_window_that_found_matches_is_sized_by_density_alone()
    {
        var windows = new AuditTextWindows(5000, 40);

        Assert.Equal(1_761, windows.Next(11)); // 11 × 5,000 / 41 × (1 + 2/√41), smaller than the first window: no growth floor
    }

    [Fact]
    public void After_an_empty_window_windows_grow_at_least_fourfold_so_an_absent_term_costs_a_handful_of_scans()
    {
        var windows = new AuditTextWindows(5000, 51);
        var first = windows.Next(1); // 5,000 / 52 × (1 + 2/√52) = 122.8
        Assert.Equal(123, first);
        windows.Searched(first, 0);
        Assert.Equal(4 * 123, windows.Next(1));

        var spans = 1;
        long covered = 5000 + first;
        while (covered < 10_000_000)
        {
            var next = windows.Next(1);
            windows.Searched(next, 0);
            covered += next;
            spans++;
        }

        Assert.InRange(spans, 1, 12);
    }

    [Fact]
    public void The_density_seen_so_far_sizes_the_next_window()
    {
        var windows = new AuditTextWindows(5000, 0);
        windows.Searched(20_000, 1); // one match in 25,000 records, counted as two

        Assert.Equal((long)Math.Ceiling(50 * 12_500 * (1 + (2 / Math.Sqrt(2)))), windows.Next(50));
    }

    [Fact]
    public void Asking_for_no_match_is_a_programming_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditTextWindows(5000, 0).Next(0));
    }
}
