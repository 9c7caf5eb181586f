using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Core.Tests.Audit.Search;

public sealed class AuditTextWindowsTests
{
    [Fact]
    public void A_rare_term_gets_a_window_sized_for_four_times_the_matches_still_needed()
    {
        // One match in the first 5,000 records, counted as two: 51 more need 4 × 51 × 2,500 records.
        var windows = new AuditTextWindows(5000, 1);

        Assert.Equal(510_000, windows.Next(51));
    }

    [Fact]
    public void A_term_not_seen_yet_is_treated_as_one_match_just_missed()
    {
        var windows = new AuditTextWindows(5000, 0);

        Assert.Equal(1_020_000, windows.Next(51));
    }

    [Fact]
    public void Windows_grow_at_least_fourfold_so_an_absent_term_costs_a_handful_of_scans()
    {
        var windows = new AuditTextWindows(5000, 40);
        Assert.Equal(20_000, windows.Next(11)); // 4 × 11 × 5,000 / 41 = 5,366, but at least 4 × 5,000

        windows.Searched(20_000, 0);
        Assert.Equal(80_000, windows.Next(11));

        var spans = 0;
        long covered = 25_000;
        while (covered < 10_000_000)
        {
            var next = windows.Next(11);
            windows.Searched(next, 0);
            covered += next;
            spans++;
        }

        Assert.InRange(spans, 1, 6);
    }

    [Fact]
    public void The_density_seen_so_far_sizes_the_next_window()
    {
        var windows = new AuditTextWindows(5000, 0);
        windows.Searched(20_000, 1); // one match in 25,000 records, counted as two

        Assert.Equal(4 * 50 * 12_500, windows.Next(50));
    }

    [Fact]
    public void Asking_for_no_match_is_a_programming_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditTextWindows(5000, 0).Next(0));
    }
}
