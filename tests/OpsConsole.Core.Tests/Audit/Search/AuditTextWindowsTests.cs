using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Core.Tests.Audit.Search;

public sealed class AuditTextWindowsTests
{
    [Fact]
    public void A_rare_term_gets_a_window_sized_for_twice_the_matches_still_needed()
    {
        // One match in the first 5,000 records: 51 more need about 2 × 51 × 5,000 records.
        var windows = new AuditTextWindows(5000, 1);

        Assert.Equal(510_000, windows.Next(51));
    }

    [Fact]
    public void A_term_not_seen_yet_is_treated_as_one_match_just_missed()
    {
        var windows = new AuditTextWindows(5000, 0);

        Assert.Equal(510_000, windows.Next(51));
    }

    [Fact]
    public void Windows_grow_at_least_fourfold_so_an_absent_term_costs_a_handful_of_scans()
    {
        var windows = new AuditTextWindows(5000, 40);
        Assert.Equal(20_000, windows.Next(11)); // 2 × 11 × 125 = 2,750, but at least 4 × 5,000

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
        var windows = new AuditTextWindows(5000, 2);
        windows.Searched(255_000, 49); // 51 matches in 260,000 records

        Assert.Equal(Math.Max(4 * 255_000, (long)Math.Ceiling(2 * 10 * (260_000 / 51.0))), windows.Next(10));
    }

    [Fact]
    public void Asking_for_no_match_is_a_programming_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditTextWindows(5000, 0).Next(0));
    }
}
