using System.ComponentModel.DataAnnotations;

namespace OpsConsole.Core.Metrics.Scraping;

/// <summary><c>Metrics</c>: what to scrape and how much to keep (Prometheus's scrape_configs, simplified).</summary>
public sealed class MetricsOptions : IValidatableObject
{
    public const string Section = "Metrics";

    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan ScrapeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(6);

    /// <summary>A response larger than this fails the scrape ("response too large") instead of exhausting memory.</summary>
    public long MaxScrapeBytes { get; set; } = 16 * 1024 * 1024;

    public int MaxSeries { get; set; } = 500_000;

    public int MaxSeriesPerTarget { get; set; } = 50_000;

    public long MaxBytes { get; set; } = 512L * 1024 * 1024;

    public List<ScrapeTarget> Targets { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ScrapeInterval < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Metrics:ScrapeInterval must be at least 00:00:01.", [nameof(ScrapeInterval)]);
        }

        if (ScrapeTimeout <= TimeSpan.Zero || ScrapeTimeout > ScrapeInterval)
        {
            yield return new ValidationResult("Metrics:ScrapeTimeout must be positive and not longer than Metrics:ScrapeInterval.", [nameof(ScrapeTimeout)]);
        }

        if (Retention < ScrapeInterval * 2)
        {
            yield return new ValidationResult("Metrics:Retention must cover at least two scrape intervals.", [nameof(Retention)]);
        }

        for (var i = 0; i < Targets.Count; i++)
        {
            var target = Targets[i];
            if (string.IsNullOrWhiteSpace(target.Name))
            {
                yield return new ValidationResult($"Metrics:Targets:{i}:Name is required.", [nameof(Targets)]);
            }

            if (!Uri.TryCreate(target.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                yield return new ValidationResult($"Metrics:Targets:{i}:Url must be an absolute http(s) URL (got \"{target.Url}\").", [nameof(Targets)]);
            }
        }

        foreach (var duplicate in Targets.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return new ValidationResult($"Metrics:Targets has the name \"{duplicate.Key}\" more than once.", [nameof(Targets)]);
        }
    }
}

public sealed class ScrapeTarget
{
    /// <summary>Becomes the <c>job</c> label.</summary>
    public string Name { get; set; } = "";

    public string Url { get; set; } = "";

    /// <summary>Extra labels on every series of the target (e.g. env=demo).</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>The labels the store adds: job, instance (host:port) and the configured ones.</summary>
    public IReadOnlyDictionary<string, string> StoreLabels()
    {
        var uri = new Uri(Url);
        var labels = new Dictionary<string, string>(Labels, StringComparer.Ordinal)
        {
            ["job"] = Name,
            ["instance"] = $"{uri.Host}:{uri.Port}",
        };
        return labels;
    }
}
