using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Hosting;

[Collection(PostgresCollection.Name)]
public sealed partial class MetricsTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Metrics_endpoint_serves_valid_prometheus_text_with_the_consoles_own_series()
    {
        await using var console = await TestConsole.StartAsync(postgres.SharedConnectionString);
        await console.WaitForReadinessAsync();
        using var client = console.CreateClient();
        (await client.GetAsync(new Uri("/account/login", UriKind.Relative))).Dispose(); // one routed request to count
        // Circuit and hub connections stay open for hours; they must not count as requests (a wall's made p95 minutes long).
        (await client.PostAsync(new Uri("/_blazor/negotiate?negotiateVersion=1", UriKind.Relative), null)).Dispose();
        (await client.PostAsync(new Uri("/hubs/live/negotiate?negotiateVersion=1", UriKind.Relative), null)).Dispose();

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();

        var names = ParseExposition(text);
        Assert.Contains("opsconsole_live_events_published_total", names);
        Assert.Contains("opsconsole_circuits_connected", names);
        Assert.Contains("http_request_duration_seconds", names);
        Assert.Contains("http_requests_received_total", names);
        Assert.Matches("http_request_duration_seconds_count\\{[^}]*endpoint=\"/account/login\"", text);
        Assert.DoesNotContain("endpoint=\"/_blazor", text, StringComparison.Ordinal);
        Assert.DoesNotContain("endpoint=\"/hubs", text, StringComparison.Ordinal);
        Assert.Contains("opsconsole_db_pool_connections", names); // pool use
        Assert.Matches("opsconsole_db_pool_connections\\{state=\"idle\"\\} [0-9]+", text);
        Assert.Contains("npgsql_db_client_connection_max", names); // Npgsql's own meter is exported
        Assert.DoesNotContain(names, n => n.StartsWith("private_internaldiagnostics", StringComparison.Ordinal)); // filtered meters
        // Per-request ASP.NET Core instruments that repeat HttpMetrics' series cost more than they tell (keys harness profile).
        Assert.DoesNotContain(names, n => n.StartsWith("http_server_request_duration", StringComparison.Ordinal) || n.StartsWith("http_server_active_requests", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.StartsWith("aspnetcore_routing_", StringComparison.Ordinal) || n.StartsWith("aspnetcore_memory_pool_", StringComparison.Ordinal));
        Assert.DoesNotContain("Password=", text, StringComparison.OrdinalIgnoreCase); // pool names must not leak secrets
        // The console labels its pools by name only: a connection string would tell anonymous callers host, port, user
        // and database. (This test process also holds the fixture's own superuser pools; only the console uses the runtime role.)
        var pools = PoolName().Matches(text).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("console", pools);
        Assert.DoesNotContain(pools, p => p.Contains(Core.Data.ConsoleRuntimeRole.EmbeddedRoleName, StringComparison.Ordinal));

        await CheckWithPromtoolIfInstalledAsync(text);
    }

    /// <summary>Checks every line against the text exposition format 0.0.4; returns the metric family names.</summary>
    private static HashSet<string> ParseExposition(string text)
    {
        var families = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var type = TypeLine().Match(line);
            if (type.Success)
            {
                families.Add(type.Groups["name"].Value);
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }

            Assert.True(SampleLine().IsMatch(line), $"line {lineNumber} is not a valid sample: {line}");
        }

        return families;
    }

    private static async Task CheckWithPromtoolIfInstalledAsync(string text)
    {
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);
        if (promtool is null)
        {
            return; // optional peer; the parser above already checked the format
        }

        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var stdout = await process.StandardOutput.ReadToEndAsync();
        Assert.True(process.ExitCode == 0, $"promtool check metrics failed ({process.ExitCode}): {stdout}{stderr}");
    }

    [GeneratedRegex("pool_name=\"(?<name>[^\"]*)\"")]
    private static partial Regex PoolName();

    [GeneratedRegex("^# TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex("""^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( -?[0-9]+)?$""")]
    private static partial Regex SampleLine();
}
