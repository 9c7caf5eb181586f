using System.Globalization;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Metrics;

/// <summary>
/// One real Prometheus for a test class, scraping its own /metrics (a real target in every run) as job
/// <see cref="Job"/>. Shared because Prometheus applies new scrape targets only every 5 s, so each start costs ~15 s
/// before enough scrapes are stored.
/// </summary>
public sealed class PrometheusFixture : IAsyncLifetime
{
    public const string Job = "prometheus-self";

    public PrometheusServer Server { get; private set; } = default!;

    public Uri Url => Server.BaseAddress;

    public async Task InitializeAsync()
    {
        var port = ExternalServerProcess.FreePort();
        Server = await PrometheusServer.StartAsync(port, new Dictionary<string, Uri>
        {
            [Job] = new($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/metrics"),
        });
        // Eleven scrapes a second apart: the oldest sample is then >= 10 s old, so even the tests' coarsest step (5 s, on
        // an epoch-aligned grid) has a grid point after the first scrape and after the second (when bucket series appear).
        // Waiting for three was not enough on a fast machine: the newest 5 s grid point could precede every sample.
        await Server.WaitForAsync($"count_over_time(up{{job=\"{Job}\"}}[1m])", n => n >= 11);
        await Server.WaitForAsync($"up{{job=\"{Job}\"}}", v => v == 1);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
