using Microsoft.Extensions.Configuration;
using OpsConsole.Core.Metrics.Scraping;

namespace OpsConsole.Core.Demo;

/// <summary>The scrape target the demo adds to <c>Metrics:Targets</c>, unless one named sampleshop is configured already.</summary>
public static class DemoTargets
{
    /// <summary>Configuration entries for the sampleshop target (after the configured ones), or none when it exists.</summary>
    public static IReadOnlyDictionary<string, string?> Entries(IConfiguration configuration, Uri metricsUrl)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(metricsUrl);
        var targets = configuration.GetSection($"{MetricsOptions.Section}:{nameof(MetricsOptions.Targets)}").GetChildren().ToList();
        if (targets.Any(t => string.Equals(t[nameof(ScrapeTarget.Name)], DemoOptions.TargetName, StringComparison.Ordinal)))
        {
            return new Dictionary<string, string?>();
        }

        // One past the highest index in use, so a sparse list (0, 5) is appended to, never overwritten.
        var index = targets.Select(t => int.TryParse(t.Key, out var i) ? i + 1 : 0).DefaultIfEmpty(0).Max();
        var prefix = $"{MetricsOptions.Section}:{nameof(MetricsOptions.Targets)}:{index}";
        return new Dictionary<string, string?>
        {
            [$"{prefix}:{nameof(ScrapeTarget.Name)}"] = DemoOptions.TargetName,
            [$"{prefix}:{nameof(ScrapeTarget.Url)}"] = metricsUrl.ToString(),
            [$"{prefix}:{nameof(ScrapeTarget.Labels)}:env"] = "demo",
        };
    }
}
