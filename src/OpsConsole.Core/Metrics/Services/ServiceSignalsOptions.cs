using System.ComponentModel.DataAnnotations;

namespace OpsConsole.Core.Metrics.Services;

/// <summary>
/// How service tiles draw their signals (<c>Metrics:Signals</c>). There are no colour thresholds here on purpose: a
/// service's state follows its alerts (the rules' thresholds and <c>for</c>), so the tile and the alerts never disagree.
/// </summary>
public sealed class ServiceSignalsOptions : IValidatableObject
{
    public const string Section = "Metrics:Signals";

    /// <summary>How much history a tile's sparkline draws.</summary>
    public TimeSpan SparklineRange { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A service whose last good scrape is older than this many scrape intervals is shown stale.</summary>
    public int StaleAfterScrapes { get; set; } = 2;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SparklineRange < TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Metrics:Signals:SparklineRange must be at least 00:01:00.", [nameof(SparklineRange)]);
        }

        if (StaleAfterScrapes < 1)
        {
            yield return new ValidationResult("Metrics:Signals:StaleAfterScrapes must be at least 1.", [nameof(StaleAfterScrapes)]);
        }
    }
}
