using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Web.Hosting;

namespace OpsConsole.IntegrationTests.Metrics;

/// <summary>The console scrapes its own /metrics over real HTTP once it knows the port it listens on.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SelfScrapeTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    [Fact]
    public async Task The_console_is_a_target_of_itself_with_its_own_request_metrics()
    {
        var scraper = Console.Services.GetRequiredService<ScrapeService>();
        var overview = Console.Services.GetRequiredService<ServiceOverview>();

        var health = await WaitForAsync(() => scraper.Targets.FirstOrDefault(t => t.Name == SelfScrapeRegistration.TargetName && t.Up), TimeSpan.FromSeconds(20));

        Assert.Equal(new Uri(Console.BaseAddress, "/metrics"), new Uri(health.Url));
        Assert.True(health.Series > 50, $"the console exposes its own series ({health.Series})");
        var snapshot = overview.Find(SelfScrapeRegistration.TargetName);
        Assert.NotNull(snapshot);
        Assert.NotNull(snapshot.LastData);
        Assert.True(snapshot.MemoryBytes > 0, "process memory of the console itself");
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080/metrics")]
    [InlineData("http://0.0.0.0:5080", "http://127.0.0.1:5080/metrics")]
    [InlineData("http://[::]:8080", "http://127.0.0.1:8080/metrics")]
    [InlineData("http://+:80", "http://127.0.0.1/metrics")]
    public void Wildcard_listen_addresses_are_scraped_on_loopback(string address, string expected) =>
        Assert.Equal(expected, SelfScrapeRegistration.MetricsUrl([address]));

    private static async Task<T> WaitForAsync<T>(Func<T?> probe, TimeSpan timeout)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(clock.Elapsed < timeout, $"condition not met within {timeout.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
