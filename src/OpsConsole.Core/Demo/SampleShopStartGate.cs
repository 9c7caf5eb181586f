using OpsConsole.Core.Metrics.Scraping;

namespace OpsConsole.Core.Demo;

/// <summary>
/// Holds the first scrape of the sampleshop target until SampleShop listens, so a fresh start leaves no TargetDown in
/// the alert history. Bounded by <see cref="StartTimeout"/>: a SampleShop that never comes up is scraped and shown down.
/// </summary>
public sealed class SampleShopStartGate(SampleShopSupervisor supervisor, TimeProvider time) : IFirstScrapeGate
{
    /// <summary>Longer than a cold start here (database created and migrated, then Kestrel bound: 5-15 s on 2 cores).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    public string? Holds(string target) =>
        string.Equals(target, DemoOptions.TargetName, StringComparison.Ordinal) && !supervisor.Listening.IsCompleted
            ? "waiting for SampleShop to start listening"
            : null;

    public async Task WaitAsync(string target, CancellationToken cancellationToken)
    {
        try
        {
            await supervisor.Listening.WaitAsync(StartTimeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Scrape anyway: the failure is now real and the target shows down.
        }
    }
}
