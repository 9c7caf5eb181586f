using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Demo;

/// <summary>Demo mode end to end: the console prepares SampleShop's database, runs it, scrapes it, and stops it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DemoPlatformTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task An_embedded_console_creates_the_shop_database_runs_the_shop_scrapes_it_restarts_it_and_stops_it()
    {
        var shopUrl = $"http://127.0.0.1:{FreePort()}";
        Process child;
        await using (var console = await TestConsole.StartAsync(postgres.SharedConnectionString, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Console"] = "", // embedded cluster in the console's data directory, as ./run.sh starts it
            ["Demo:Enabled"] = "true",
            ["Demo:Urls"] = shopUrl,
            ["Demo:Traffic"] = "false",
            ["Metrics:ScrapeInterval"] = "00:00:01",
            ["Metrics:ScrapeTimeout"] = "00:00:01",
        }))
        {
            var supervisor = console.Services.GetRequiredService<SampleShopSupervisor>();
            var scraper = console.Services.GetRequiredService<ScrapeService>();
            var target = Assert.Single(console.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Targets);
            Assert.Equal(("sampleshop", $"{shopUrl}/metrics", "demo"), (target.Name, target.Url, target.Labels["env"]));
            // The repository's files, relative to the content root (the checkout), so edits survive a rebuild: SampleShop's
            // rules, the backup rules of the databases the demo manages (SampleShop's and the console's own), the key rules of its rings.
            Assert.Equal([DemoRules.RepositoryFile, "src/OpsConsole.Web/rules/backups.rules.yml", "src/OpsConsole.Web/rules/keys.rules.yml"],
                console.Services.GetRequiredService<IOptions<AlertRulesOptions>>().Value.RuleFiles);
            Assert.Equal(["console", "sampleshop"], console.Services.GetRequiredService<OpsConsole.Core.Backups.ManagedDatabaseCatalog>().All.Select(d => d.Name));

            await UntilAsync(() => scraper.Targets.Any(t => t.Name == "sampleshop" && t.Up), "sampleshop is scraped and up");

            // The first scrape waited until SampleShop listened: no failed scrape, no up == 0 sample, so no TargetDown
            // goes pending on a fresh start (without the gate, the 1 s scrapes failed for the shop's whole start-up).
            Assert.Equal(0, scraper.Targets.Single(t => t.Name == "sampleshop").Failures);
            var up = console.Services.GetRequiredService<OpsConsole.Core.Metrics.Store.MetricStore>().Select("up", s => s.Label("job") == "sampleshop", 0, long.MaxValue);
            Assert.All(Assert.Single(up).Values, v => Assert.Equal(1, v));
            var firstPid = supervisor.ProcessId!.Value;
            Assert.Equal(1, supervisor.Starts);
            Assert.Equal("running", supervisor.Status);
            Assert.Equal("sampleshop|sampleshop|24", await ShopDatabaseAsync(console.DataDirectory));

            // An unexpected exit: the supervisor starts a new SampleShop, and scrapes succeed again.
            using (var first = Process.GetProcessById(firstPid))
            {
                first.Kill();
            }

            await UntilAsync(() => supervisor.ProcessId is { } pid && pid != firstPid, "a new SampleShop runs");
            var restartedAt = DateTimeOffset.UtcNow;
            await UntilAsync(() => scraper.Targets.Any(t => t.Name == "sampleshop" && t.Up && t.LastScrape > restartedAt), "the new SampleShop is scraped");
            Assert.Equal(2, supervisor.Starts);
            child = Process.GetProcessById(supervisor.ProcessId!.Value);
        }

        using (child)
        {
            Assert.True(child.HasExited, "SampleShop still runs after the console stopped");
        }
    }

    [Fact]
    public async Task With_an_external_database_and_no_demo_connection_string_the_demo_is_skipped_and_the_console_starts()
    {
        await using var console = await TestConsole.StartAsync(postgres.SharedConnectionString, new Dictionary<string, string?>
        {
            ["Demo:Enabled"] = "true",
            ["Demo:Urls"] = $"http://127.0.0.1:{FreePort()}",
        });
        await console.WaitForReadinessAsync();

        var supervisor = console.Services.GetRequiredService<SampleShopSupervisor>();
        await UntilAsync(() => supervisor.Status.StartsWith("skipped", StringComparison.Ordinal), "the supervisor gives up");
        Assert.Contains("Demo:ConnectionString", supervisor.Status, StringComparison.Ordinal);
        Assert.Null(supervisor.ProcessId);
        Assert.Empty(console.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Targets);
    }

    [Fact]
    public async Task A_console_without_demo_settings_has_no_demo()
    {
        await using var console = await TestConsole.StartAsync(postgres.SharedConnectionString);

        Assert.Null(console.Services.GetService<SampleShopSupervisor>());
        Assert.DoesNotContain(console.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Targets, t => t.Name == "sampleshop");
        Assert.Empty(console.Services.GetRequiredService<IOptions<AlertRulesOptions>>().Value.RuleFiles);
    }

    /// <summary>Connects as the sampleshop role the console created: role, database owner and seeded products.</summary>
    private static async Task<string> ShopDatabaseAsync(string dataDirectory)
    {
        var password = (await File.ReadAllTextAsync(Path.Combine(dataDirectory, SampleShopDatabase.PasswordFileName))).Trim();
        var port = int.Parse((await File.ReadAllTextAsync(Path.Combine(dataDirectory, "postgres-port"))).Trim(), CultureInfo.InvariantCulture);
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "sampleshop", Password = password, Database = "sampleshop", Pooling = false,
        }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT current_user || '|' || (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) || '|' || (SELECT count(*) FROM shop.products)",
            connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Timeout, $"timed out after {Timeout.TotalSeconds:0} s waiting until {what}");
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
