using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Store;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Metrics;

/// <summary>Real HTTP scrapes of targets that behave well and badly; the console reports each in words and carries on.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ScrapeTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private WebApplication _targets = default!;
    private Uri _base = default!;

    protected override async Task<TestConsole> StartConsoleAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        _targets = builder.Build();
        _targets.MapGet("/good", () => Results.Text("# TYPE shop_requests_total counter\nshop_requests_total{code=\"200\"} 12\nshop_requests_total{code=\"500\"} 1\n", "text/plain; version=0.0.4"));
        _targets.MapGet("/garbage", () => Results.Text("shop_requests_total 12\nthis is { not metrics\n", "text/plain"));
        _targets.MapGet("/error", () => Results.StatusCode(500));
        _targets.MapGet("/hang", async (CancellationToken ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return Results.Ok();
        });
        _targets.MapGet("/huge", async (HttpContext context) =>
        {
            // 50 MB of valid lines, streamed without a length: only the byte cap can stop it.
            var line = System.Text.Encoding.ASCII.GetBytes("filler_metric{pad=\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"} 1\n");
            for (var written = 0L; written < 50L * 1024 * 1024 && !context.RequestAborted.IsCancellationRequested; written += line.Length)
            {
                await context.Response.Body.WriteAsync(line, context.RequestAborted);
            }
        });
        await _targets.StartAsync();
        _base = new Uri(_targets.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        return await TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?>
        {
            ["Metrics:ScrapeTimeout"] = "00:00:02",
            ["Metrics:MaxScrapeBytes"] = (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _targets.DisposeAsync();
    }

    private Task<TargetHealth> ScrapeAsync(string path, string name = "shop") =>
        Console.Services.GetRequiredService<ScrapeService>().ScrapeOnceAsync(
            new ScrapeTarget { Name = name, Url = new Uri(_base, path).ToString(), Labels = { ["env"] = "test" } }, CancellationToken.None);

    [Fact]
    public async Task A_good_target_is_up_and_its_samples_and_synthetic_series_are_stored_with_job_and_instance()
    {
        var health = await ScrapeAsync("/good");

        Assert.True(health.Up, health.LastError);
        Assert.Equal(2, health.Samples);
        var store = Console.Services.GetRequiredService<MetricStore>();
        var requests = store.Select("shop_requests_total", s => s.Label("code") == "500", 0, long.MaxValue).Single();
        Assert.Equal("shop", requests.Series.Label("job"));
        Assert.Equal($"127.0.0.1:{_base.Port}", requests.Series.Label("instance"));
        Assert.Equal("test", requests.Series.Label("env"));
        Assert.Equal(1, store.Select("up", s => s.Label("job") == "shop", 0, long.MaxValue).Single().Values[^1]);
        Assert.Single(store.Select("scrape_duration_seconds", s => s.Label("job") == "shop", 0, long.MaxValue));
    }

    [Theory]
    [InlineData("/garbage", "parse error at line 2:")]
    [InlineData("/error", "HTTP 500")]
    [InlineData("/hang", "timeout after 2 s")]
    [InlineData("/huge", "response larger than 1,048,576 bytes")]
    public async Task A_bad_target_is_down_with_the_reason_in_words_and_its_series_go_stale(string path, string reason)
    {
        await ScrapeAsync("/good");

        var health = await ScrapeAsync(path);

        Assert.False(health.Up);
        Assert.StartsWith(reason, health.LastError, StringComparison.Ordinal);
        var store = Console.Services.GetRequiredService<MetricStore>();
        Assert.Equal(0, store.Select("up", s => s.Label("job") == "shop", 0, long.MaxValue).Single().Values[^1]);
        Assert.All(store.Select("shop_requests_total", null, 0, long.MaxValue), s => Assert.True(MetricStore.IsStale(s.Values[^1])));
    }

    [Fact]
    public async Task A_refused_connection_is_named_as_such()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now

        var health = await Console.Services.GetRequiredService<ScrapeService>().ScrapeOnceAsync(
            new ScrapeTarget { Name = "gone", Url = $"http://127.0.0.1:{port}/metrics" }, CancellationToken.None);

        Assert.Equal("connection refused", health.LastError);
    }

    [Fact]
    public async Task Failures_are_counted_on_the_consoles_own_metrics_endpoint()
    {
        await ScrapeAsync("/error", name: "counted");

        using var client = Console.CreateClient();
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Contains("opsconsole_scrape_failures_total{target=\"counted\",reason=\"http_status\"} 1", metrics, StringComparison.Ordinal);
    }
}
