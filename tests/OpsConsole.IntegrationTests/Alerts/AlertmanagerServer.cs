using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using OpsConsole.IntegrationTests.Metrics;

namespace OpsConsole.IntegrationTests.Alerts;

/// <summary>
/// A real Alertmanager (Debian's prometheus-alertmanager) on a free loopback port with its own config and storage,
/// clustering off; killed on dispose. <see cref="AmtoolAsync"/> runs Debian's amtool against it.
/// </summary>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus-alertmanager";
    public const string Amtool = "/usr/bin/amtool";

    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly Queue<string> _log = new();
    private readonly HttpClient _client;

    private AlertmanagerServer(Process process, DirectoryInfo directory, Uri baseAddress)
    {
        _process = process;
        _directory = directory;
        BaseAddress = baseAddress;
        _client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseAddress { get; }

    /// <summary>Starts Alertmanager with <paramref name="config"/> (alertmanager.yml) and waits until it is ready.</summary>
    public static async Task<AlertmanagerServer> StartAsync(string config)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: ./test.sh installs Debian's prometheus-alertmanager package");
        var directory = Directory.CreateTempSubdirectory("opsconsole-alertmanager-");
        var file = Path.Combine(directory.FullName, "alertmanager.yml");
        await File.WriteAllTextAsync(file, config);
        var port = PrometheusServer.FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList =
            {
                $"--config.file={file}",
                $"--storage.path={Path.Combine(directory.FullName, "data")}",
                $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                "--cluster.listen-address=", // no gossip port: a single, private instance
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("alertmanager did not start");
        var server = new AlertmanagerServer(process, directory, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"));
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilAsync("Alertmanager is ready", async ct =>
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

    /// <summary>Runs amtool with the arguments against this Alertmanager; fails the test on a non-zero exit.</summary>
    public async Task AmtoolAsync(params string[] arguments)
    {
        Assert.True(File.Exists(Amtool), $"{Amtool} is missing: it comes with Debian's prometheus-alertmanager package");
        var start = new ProcessStartInfo(Amtool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add($"--alertmanager.url={BaseAddress.ToString().TrimEnd('/')}");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("amtool did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"amtool {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
    }

    /// <summary>The fingerprint Alertmanager itself gives the alert with this alertname (its /api/v2/alerts).</summary>
    public async Task<string?> FingerprintAsync(string alertName)
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync(new Uri("api/v2/alerts", UriKind.Relative)));
        return document.RootElement.EnumerateArray()
            .Where(a => a.GetProperty("labels").TryGetProperty("alertname", out var name) && name.GetString() == alertName)
            .Select(a => a.GetProperty("fingerprint").GetString())
            .FirstOrDefault();
    }

    public string RecentLog()
    {
        lock (_log)
        {
            return string.Join('\n', _log);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
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

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > 40)
            {
                _log.Dequeue();
            }
        }
    }

    private async Task WaitUntilAsync(string what, Func<CancellationToken, Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
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
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                lastError = ex.Message;
            }

            await Task.Delay(100, CancellationToken.None);
        }

        Assert.Fail($"Waited in vain for: {what} ({(_process.HasExited ? $"alertmanager exited with {_process.ExitCode}" : "timeout")}; last error: {lastError ?? "none"})\n{RecentLog()}");
    }
}
