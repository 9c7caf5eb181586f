namespace OpsConsole.Core.Metrics.Scraping;

/// <summary>
/// Holds a target's first scrape until the target can answer, so a service the console itself starts (the demo's
/// SampleShop) does not fail its first scrapes and leave a false TargetDown in the alert history. Only the first scrape
/// waits: once a target has been scraped, a failure is real and shows as one.
/// </summary>
public interface IFirstScrapeGate
{
    /// <summary>Why the first scrape of <paramref name="target"/> waits, in words for the Targets page; null when this gate does not hold it.</summary>
    string? Holds(string target);

    /// <summary>Completes when the first scrape may run. Bounded by the gate itself: a target that never comes up is scraped (and shown down) in the end.</summary>
    Task WaitAsync(string target, CancellationToken cancellationToken);
}
