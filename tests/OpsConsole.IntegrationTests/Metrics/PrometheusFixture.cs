using System.Globalization;

namespace OpsConsole.IntegrationTests.Metrics;

/// <summary>
/// One real Prometheus for a test class, scraping its own /metrics (a real target in every run) as job
/// <see cref="Job"/>. Shared because Prometheus applies new scrape targets only every 5 s, so each start costs ~8 s
/// before three scrapes are stored.
/// </summary>
public sealed class PrometheusFixture : IAsyncLifetime
{
    public const string Job = "prometheus-self";

    public PrometheusServer Server { get; private set; } = default!;

    public Uri Url => Server.BaseAddress;

    public async Task InitializeAsync()
    {
        var port = PrometheusServer.FreePort();
        Server = await PrometheusServer.StartAsync(port, new Dictionary<string, Uri>
        {
            [Job] = new($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/metrics"),
        });
        // Three scrapes: enough for rate(), and the newest 1 s step then lies after the first sample.
        await Server.WaitForAsync($"count_over_time(up{{job=\"{Job}\"}}[1m])", n => n >= 3);
        await Server.WaitForAsync($"up{{job=\"{Job}\"}}", v => v == 1);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
