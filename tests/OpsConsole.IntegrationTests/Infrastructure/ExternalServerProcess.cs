using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// A real server binary (Prometheus, Alertmanager, node exporter) as a child process on a loopback port: started with
/// its arguments, waited on until its readiness URL answers 200 (polled against a deadline, no fixed sleeps), its last
/// output lines kept for failure messages, and stopped by killing its own process (by pid, with its children). A
/// directory handed over at start (its config and storage) is deleted once it has stopped.
/// </summary>
public sealed class ExternalServerProcess : IAsyncDisposable
{
    private const int KeptLines = 40;
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly string _name;
    private readonly Process _process;
    private readonly DirectoryInfo? _directory;
    private readonly Queue<string> _log = new();
    private bool _started;

    private ExternalServerProcess(string name, Process process, DirectoryInfo? directory, Uri baseAddress)
    {
        _name = name;
        _process = process;
        _directory = directory;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseAddress { get; }

    /// <summary>An HTTP client for the server's API: relative URIs resolve against <see cref="BaseAddress"/>.</summary>
    public HttpClient Client { get; }

    /// <summary>A loopback port nothing listens on right now (to tell a client before its server starts).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <paramref name="binary"/> and waits until <paramref name="readinessPath"/> answers 200.</summary>
    /// <param name="name">The server's name in messages, e.g. "Prometheus".</param>
    /// <param name="arguments">The command line, given the address to listen on (<c>127.0.0.1:port</c>).</param>
    /// <param name="readinessPath">Relative to the base address, e.g. <c>-/ready</c>.</param>
    /// <param name="port">Where to listen; default a free loopback port.</param>
    /// <param name="directory">The server's own directory (config, storage), deleted after it stops.</param>
    public static async Task<ExternalServerProcess> StartAsync(
        string name, string binary, Func<string, IEnumerable<string>> arguments, string readinessPath, int? port = null, DirectoryInfo? directory = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var listen = $"127.0.0.1:{(port ?? FreePort()).ToString(CultureInfo.InvariantCulture)}";
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments(listen))
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var server = new ExternalServerProcess(name, process, directory, new Uri($"http://{listen}/"));
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException($"{name} ({binary}) did not start");
            }

            server._started = true;

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await server.WaitUntilAsync($"{name} is ready", async ct =>
            {
                using var response = await server.Client.GetAsync(new Uri(readinessPath, UriKind.Relative), ct);
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

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds (HTTP, JSON and timeout errors count as "not yet"); fails the test
    /// at the deadline, or as soon as the server exits, with the last error and the server's last output lines.
    /// </summary>
    public async Task WaitUntilAsync(string what, Func<CancellationToken, Task<bool>> condition, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
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

        Assert.Fail($"Waited in vain for: {what} ({(_process.HasExited ? $"{_name} exited with {_process.ExitCode}" : "timeout")}; last error: {lastError ?? "none"})\n{RecentLog()}");
    }

    /// <summary>The server's last output lines (standard output and error, interleaved as they came).</summary>
    public string RecentLog()
    {
        lock (_log)
        {
            return string.Join('\n', _log);
        }
    }

    /// <summary>Stops the server now: kills its own process (and any children) and waits for the exit.</summary>
    public async Task StopAsync()
    {
        if (!_started)
        {
            return; // Process.Start threw: there is nothing to stop
        }

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
        Client.Dispose();
        try
        {
            _directory?.Delete(recursive: true);
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
            if (_log.Count > KeptLines)
            {
                _log.Dequeue();
            }
        }
    }
}
