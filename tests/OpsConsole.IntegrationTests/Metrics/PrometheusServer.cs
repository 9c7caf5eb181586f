using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace OpsConsole.IntegrationTests.Metrics;

/// <summary>
/// A real Prometheus server (Debian's /usr/bin/prometheus) on a free loopback port with its own config and storage in a
/// temp directory; killed on dispose, so no test leaves one behind.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly Queue<string> _log = new();
    private readonly HttpClient _client;

    private PrometheusServer(Process process, DirectoryInfo directory, Uri baseAddress)
    {
        _process = process;
        _directory = directory;
        BaseAddress = baseAddress;
        _client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseAddress { get; }

    /// <summary>A loopback port nothing listens on right now (for the console to be told before Prometheus starts).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList =
            {
                $"--config.file={config}",
                $"--storage.tsdb.path={Path.Combine(directory.FullName, "data")}",
                $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"));
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilAsync("Prometheus is ready", async ct =>
            {
                using var response = await server._client.GetAsync(new Uri("-/ready", UriKind.Relative), ct);
                return response.StatusCode == HttpStatusCode.OK;
            });
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Waits until the instant query returns at least one series whose value satisfies the predicate.</summary>
    public Task WaitForAsync(string promQl, Func<double, bool> predicate, TimeSpan? timeout = null) =>
        WaitUntilAsync($"{promQl} holds", async ct =>
        {
            using var document = JsonDocument.Parse(await _client.GetStringAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(promQl)}", UriKind.Relative), ct));
            return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
                .Any(s => predicate(double.Parse(s.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)));
        }, timeout);

    /// <summary>An instant query at a given time (<c>/api/v1/query?query=…&amp;time=…</c>); the whole JSON answer, errors included.</summary>
    public async Task<JsonDocument> QueryAsync(string promQl, DateTimeOffset at)
    {
        var time = (at.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
        using var response = await _client.GetAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(promQl)}&time={time}", UriKind.Relative));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>A GET on the HTTP API (e.g. <c>api/v1/alerts</c>, <c>api/v1/rules</c>); the whole JSON answer.</summary>
    public async Task<JsonDocument> GetJsonAsync(string relative, CancellationToken cancellationToken = default) =>
        JsonDocument.Parse(await _client.GetStringAsync(new Uri(relative, UriKind.Relative), cancellationToken));

    /// <summary>Stops the server now (as when Prometheus goes down under the console).</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        _client.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Temp directory; harmless if something still holds a file.
        }
    }

    private static async Task BackfillAsync(string openMetrics, string directory)
    {
        const string Promtool = "/usr/bin/promtool";
        Assert.True(File.Exists(Promtool), $"{Promtool} is missing: ./test.sh installs Debian's prometheus package");
        var input = Path.Combine(directory, "backfill.om");
        await File.WriteAllTextAsync(input, openMetrics);
        var start = new ProcessStartInfo(Promtool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { "tsdb", "create-blocks-from", "openmetrics", input, Path.Combine(directory, "data") },
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"promtool backfill failed ({process.ExitCode}): {await error}\n{await output}");
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > 30)
            {
                _log.Dequeue();
            }
        }
    }

    /// <summary>A condition polled with a deadline (no fixed sleeps); the failure shows Prometheus's own last log lines.</summary>
    private async Task WaitUntilAsync(string what, Func<CancellationToken, Task<bool>> condition, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        string? lastError = null;
        while (!deadline.IsCancellationRequested && !_process.HasExited)
        {
            try
            {
                if (await condition(deadline.Token))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException)
            {
                lastError = ex.Message;
            }

            await Task.Delay(100, CancellationToken.None);
        }

        string log;
        lock (_log)
        {
            log = string.Join('\n', _log);
        }

        Assert.Fail($"Waited in vain for: {what} ({(_process.HasExited ? $"prometheus exited with {_process.ExitCode}" : "timeout")}; last error: {lastError ?? "none"})\n{log}");
    }
}
