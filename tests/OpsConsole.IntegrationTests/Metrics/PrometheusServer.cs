using System.Globalization;
using System.Text.Json;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Metrics;

/// <summary>
/// A real Prometheus server (Debian's /usr/bin/prometheus) on a free loopback port with its own config and storage in a
/// temp directory; killed on dispose, so no test leaves one behind.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly ExternalServerProcess _server;

    private PrometheusServer(ExternalServerProcess server) => _server = server;

    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>
    /// Starts Prometheus scraping each job's /metrics every second and waits until it is ready. With
    /// <paramref name="backfillOpenMetrics"/>, its storage is first filled from that OpenMetrics text by
    /// <c>promtool tsdb create-blocks-from openmetrics</c> (blocks aligned to 2 h; keep the samples older than the head).
    /// With <paramref name="ruleFileYaml"/>, that rule file is loaded and evaluated every <paramref name="evaluationInterval"/>
    /// (default 1 s; a group's own <c>interval</c> wins).
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(
        int port, IReadOnlyDictionary<string, Uri> jobs, string? backfillOpenMetrics = null, string? ruleFileYaml = null, TimeSpan? evaluationInterval = null)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: ./test.sh installs Debian's prometheus package");
        var directory = Directory.CreateTempSubdirectory("opsconsole-prometheus-");
        if (backfillOpenMetrics is not null)
        {
            await BackfillAsync(backfillOpenMetrics, directory.FullName);
        }
        var config = Path.Combine(directory.FullName, "prometheus.yml");
        var scrapeConfigs = string.Concat(jobs.Select(job => $"""
              - job_name: '{job.Key}'
                metrics_path: '{job.Value.AbsolutePath}'
                static_configs:
                  - targets: ['{job.Value.Authority}']

            """));
        var ruleFiles = "";
        if (ruleFileYaml is not null)
        {
            var rules = Path.Combine(directory.FullName, "rules.yml");
            await File.WriteAllTextAsync(rules, ruleFileYaml);
            ruleFiles = $"rule_files: ['{rules}']";
        }

        var evaluation = (int)(evaluationInterval ?? TimeSpan.FromSeconds(1)).TotalMilliseconds;
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: {evaluation.ToString(CultureInfo.InvariantCulture)}ms
            {ruleFiles}
            scrape_configs:
            {scrapeConfigs}
            """);
        return new PrometheusServer(await ExternalServerProcess.StartAsync("Prometheus", Binary, listen =>
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory.FullName, "data")}",
            $"--web.listen-address={listen}",
        ], "-/ready", port, directory));
    }

    /// <summary>Waits until the instant query returns at least one series whose value satisfies the predicate.</summary>
    public Task WaitForAsync(string promQl, Func<double, bool> predicate, TimeSpan? timeout = null) =>
        _server.WaitUntilAsync($"{promQl} holds", async ct =>
        {
            using var document = JsonDocument.Parse(await _server.Client.GetStringAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(promQl)}", UriKind.Relative), ct));
            return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
                .Any(s => predicate(double.Parse(s.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)));
        }, timeout);

    /// <summary>An instant query at a given time (<c>/api/v1/query?query=…&amp;time=…</c>); the whole JSON answer, errors included.</summary>
    public async Task<JsonDocument> QueryAsync(string promQl, DateTimeOffset at)
    {
        var time = (at.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
        using var response = await _server.Client.GetAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(promQl)}&time={time}", UriKind.Relative));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>A GET on the HTTP API (e.g. <c>api/v1/alerts</c>, <c>api/v1/rules</c>); the whole JSON answer.</summary>
    public async Task<JsonDocument> GetJsonAsync(string relative, CancellationToken cancellationToken = default) =>
        JsonDocument.Parse(await _server.Client.GetStringAsync(new Uri(relative, UriKind.Relative), cancellationToken));

    /// <summary>Stops the server now (as when Prometheus goes down under the console).</summary>
    public Task StopAsync() => _server.StopAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static async Task BackfillAsync(string openMetrics, string directory)
    {
        const string Promtool = "/usr/bin/promtool";
        Assert.True(File.Exists(Promtool), $"{Promtool} is missing: ./test.sh installs Debian's prometheus package");
        var input = Path.Combine(directory, "backfill.om");
        await File.WriteAllTextAsync(input, openMetrics);
        var (exitCode, output, error) = await ToolProcess.RunAsync(
            Promtool, ["tsdb", "create-blocks-from", "openmetrics", input, Path.Combine(directory, "data")], TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, $"promtool backfill failed ({exitCode}): {error}\n{output}");
    }
}
