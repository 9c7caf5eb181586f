using System.ComponentModel.DataAnnotations;

namespace OpsConsole.Core.Metrics.Services;

/// <summary>Colour thresholds of the service tiles (<c>Metrics:Signals</c>); a tile takes the worst state any signal reaches.</summary>
public sealed class ServiceSignalsOptions : IValidatableObject
{
    public const string Section = "Metrics:Signals";

    /// <summary>5xx share of requests at which a tile turns amber (0.01 = 1 %).</summary>
    public double ErrorRatioWarning { get; set; } = 0.01;

    /// <summary>5xx share at which a tile turns red.</summary>
    public double ErrorRatioCritical { get; set; } = 0.05;

    public TimeSpan LatencyP95Warning { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan LatencyP95Critical { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How much history a tile's sparkline draws.</summary>
    public TimeSpan SparklineRange { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A service whose last good scrape is older than this many scrape intervals is shown stale.</summary>
    public int StaleAfterScrapes { get; set; } = 2;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ErrorRatioWarning is <= 0 or > 1 || ErrorRatioCritical is <= 0 or > 1 || ErrorRatioWarning > ErrorRatioCritical)
        {
            yield return new ValidationResult(
                "Metrics:Signals:ErrorRatioWarning and ErrorRatioCritical must be in (0, 1] with warning <= critical.", [nameof(ErrorRatioWarning)]);
        }

        if (LatencyP95Warning <= TimeSpan.Zero || LatencyP95Warning > LatencyP95Critical)
        {
            yield return new ValidationResult(
                "Metrics:Signals:LatencyP95Warning must be positive and not above LatencyP95Critical.", [nameof(LatencyP95Warning)]);
        }

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
