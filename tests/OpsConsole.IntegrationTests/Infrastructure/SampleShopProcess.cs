using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OpsConsole.Core.Demo;
using OpsConsole.Web.Hosting;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// The built SampleShop (src/SampleShop/bin/…/SampleShop.dll) as a real process on a free loopback port, with
/// deterministic settings (no injected latency or failures, no traffic, a generous rate limit) unless a test overrides them.
/// </summary>
public sealed class SampleShopProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly ConcurrentQueue<string> _output = new();

    private SampleShopProcess(Process process, Uri baseAddress)
    {
        Process = process;
        BaseAddress = baseAddress;
    }

    public Process Process { get; }

    public Uri BaseAddress { get; }

    public Uri MetricsUrl => new(BaseAddress, "/metrics");

    public string Output => string.Join('\n', _output);

    public static string AssemblyPath
    {
        get
        {
            var root = ContentRoot.FindUpwards(AppContext.BaseDirectory) ?? throw new InvalidOperationException("repository root not found");
            var path = new DemoOptions().ResolveAssembly(root);
            return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is not built; run `dotnet build Console.sln -c Release`");
        }
    }

    /// <param name="settings">SampleShop configuration keys (e.g. "SampleShop:RateLimit:TokenLimit") overriding the test defaults.</param>
    /// <param name="baseAddress">Where to listen (to start it again where scrapers look for it); default a free loopback port.</param>
    public static async Task<SampleShopProcess> StartAsync(string connectionString, IDictionary<string, string>? settings = null, Uri? baseAddress = null)
    {
        var assembly = AssemblyPath;
        baseAddress ??= new Uri($"http://127.0.0.1:{FreePort()}");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(assembly);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = baseAddress.ToString(),
            ["ASPNETCORE_CONTENTROOT"] = startInfo.WorkingDirectory,
            ["ConnectionStrings:Shop"] = connectionString,
            ["SampleShop:Faults:PaymentFailureRate"] = "0",
            ["SampleShop:Faults:SlowRequestRate"] = "0",
            ["SampleShop:Faults:BaseLatencyMax"] = "00:00:00",
            ["SampleShop:Traffic:Enabled"] = "false",
            ["SampleShop:RateLimit:TokenLimit"] = "10000",
            ["SampleShop:RateLimit:TokensPerSecond"] = "10000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = startInfo };
        var shop = new SampleShopProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) => shop.Collect(e.Data);
        process.ErrorDataReceived += (_, e) => shop.Collect(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await shop.WaitUntilHealthyAsync();
        }
        catch
        {
            await shop.DisposeAsync();
            throw;
        }

        return shop;
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    private void Collect(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ReadyTimeout)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"SampleShop exited with code {Process.ExitCode} before it was healthy:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"SampleShop was not healthy within {ReadyTimeout.TotalSeconds:0} s:\n{Output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        await Process.WaitForExitAsync();
        Process.Dispose();
    }
}
