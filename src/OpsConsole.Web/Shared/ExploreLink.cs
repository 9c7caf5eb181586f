namespace OpsConsole.Web.Shared;

/// <summary>
/// Links into Explore with a query typed in and run on load ("Open in Explore" on alerts, rules and service charts):
/// <c>explore?q=&lt;url-encoded PromQL&gt;&amp;range=&lt;one of <see cref="Ranges"/>&gt;</c>.
/// </summary>
public static class ExploreLink
{
    public const string DefaultRange = "1h";

    /// <summary>The ranges Explore offers, shortest first.</summary>
    public static IReadOnlyList<(string Name, TimeSpan Span)> Ranges { get; } =
    [
        ("5m", TimeSpan.FromMinutes(5)),
        ("15m", TimeSpan.FromMinutes(15)),
        ("1h", TimeSpan.FromHours(1)),
        ("6h", TimeSpan.FromHours(6)),
        ("24h", TimeSpan.FromHours(24)),
        ("7d", TimeSpan.FromDays(7)),
    ];

    public static bool IsRange(string? name) => name is not null && Ranges.Any(r => r.Name == name);

    public static TimeSpan SpanOf(string name) => Ranges.First(r => r.Name == name).Span;

    public static string For(string expression, string range = DefaultRange)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return $"explore?q={Uri.EscapeDataString(expression)}&range={(IsRange(range) ? range : DefaultRange)}";
    }

    /// <summary>
    /// The shortest range that shows what happened since <paramref name="since"/> ago with some time before it (an
    /// alert's start and what led to it): at least 15 minutes, at most the longest range.
    /// </summary>
    public static string Covering(TimeSpan since)
    {
        var wanted = TimeSpan.FromTicks(Math.Max(since.Ticks + (since.Ticks / 2), TimeSpan.FromMinutes(15).Ticks));
        return Ranges.FirstOrDefault(r => r.Span >= wanted, Ranges[^1]).Name;
    }
}
