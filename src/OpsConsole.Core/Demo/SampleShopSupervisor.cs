using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Hosting;

namespace OpsConsole.Core.Demo;

/// <summary>
/// Runs SampleShop as a child process (<c>dotnet SampleShop.dll</c>) while the console runs: prepares its database,
/// logs its output lines through the console's logger, restarts it with backoff when it exits, and stops it (SIGTERM,
/// then SIGKILL) when the console stops. If the console dies without stopping it, SampleShop notices its parent is
/// gone and exits by itself (SampleShop:ParentProcessId).
/// </summary>
public sealed partial class SampleShopSupervisor(
    DemoPlan plan, IOptions<DemoOptions> options, TimeProvider time, ILogger<SampleShopSupervisor> logger, IEnumerable<ISampleShopEnvironment>? environments = null)
    : BackgroundService
{
    /// <summary>A run this long counts as healthy: the next failure starts the backoff from the beginning again.</summary>
    private static readonly TimeSpan HealthyRun = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(4);

    /// <summary>Console settings that are none of the child's business (secrets, its own addresses).</summary>
    private static readonly string[] ScrubbedPrefixes = ["ConnectionStrings__", "Authentication__", "Demo__", "Storage__", "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_CONTENTROOT"];

    /// <summary>Kestrel's line once SampleShop's port is bound (Microsoft.Hosting.Lifetime, which SampleShop logs at Information).</summary>
    public const string ListeningLine = "Now listening on:";

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _child;
    private int _starts;
    private string _status = "not started";

    /// <summary>The running child's process id, or null.</summary>
    public int? ProcessId
    {
        get
        {
            lock (_gate)
            {
                return _child?.Id;
            }
        }
    }

    /// <summary>
    /// Completes when SampleShop first listens, or when the demo is skipped or stopped (then nothing will listen, and
    /// waiting longer would only hide that).
    /// </summary>
    public Task Listening => _listening.Task;

    /// <summary>How many times SampleShop was launched since the console started.</summary>
    public int Starts => Volatile.Read(ref _starts);

    /// <summary>In words: running, restarting, skipped (with the reason), stopped.</summary>
    public string Status => Volatile.Read(ref _status);

    /// <summary>1 s, 2 s, 4 s, … up to 30 s after consecutive failures.</summary>
    public static TimeSpan Backoff(int consecutiveFailures) =>
        TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Clamp(consecutiveFailures, 0, 16))));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (plan.SkipReason is { } reason)
        {
            SetStatus("skipped: " + reason);
            LogSkipped(reason);
            _listening.TrySetResult();
            return;
        }

        string? connectionString = plan.ShopConnectionString;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetTimestamp();
            try
            {
                connectionString ??= await SampleShopDatabase.EnsureAsync(plan.AdminConnectionString!, plan.DataDirectory, stoppingToken);
                var exitCode = await RunOnceAsync(connectionString, stoppingToken);
                LogExited(exitCode);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Whatever went wrong (database, process start), the demo never takes the console down: log, back off, retry.
                LogFailed(ex, ex.Message);
            }

            failures = time.GetElapsedTime(started) >= HealthyRun ? 0 : failures;
            var delay = Backoff(failures++);
            SetStatus($"restarting in {delay.TotalSeconds:0} s");
            LogRestarting(delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        SetStatus("stopped");
        _listening.TrySetResult();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        KillChild(); // the host's shutdown timeout may have cut the graceful stop short
    }

    public override void Dispose()
    {
        KillChild();
        base.Dispose();
    }

    /// <summary>Starts SampleShop and waits for it to exit (its exit code), or stops it when the console stops.</summary>
    private async Task<int> RunOnceAsync(string connectionString, CancellationToken stoppingToken)
    {
        var startInfo = StartInfo(connectionString);
        foreach (var environment in environments ?? [])
        {
            foreach (var (name, value) in await environment.GetAsync(stoppingToken))
            {
                startInfo.Environment[name] = value;
            }
        }

        using var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnOutput(e.Data, error: false);
        process.ErrorDataReceived += (_, e) => OnOutput(e.Data, error: true);
        lock (_gate)
        {
            stoppingToken.ThrowIfCancellationRequested();
            process.Start();
            _child = process;
        }

        try
        {
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            Interlocked.Increment(ref _starts);
            SetStatus("running");
            LogStarted(process.Id, options.Value.Urls);
            await process.WaitForExitAsync(stoppingToken);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await StopGracefullyAsync(process);
            throw;
        }
        finally
        {
            lock (_gate)
            {
                _child = null;
            }
        }
    }

    private ProcessStartInfo StartInfo(string connectionString)
    {
        var demo = options.Value;
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(plan.ShopAssembly)!,
        };
        startInfo.ArgumentList.Add(plan.ShopAssembly);
        foreach (var name in startInfo.Environment.Keys.Where(k => ScrubbedPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        startInfo.Environment["ASPNETCORE_URLS"] = demo.Urls;
        startInfo.Environment["ASPNETCORE_CONTENTROOT"] = startInfo.WorkingDirectory;
        startInfo.Environment["ConnectionStrings__Shop"] = connectionString;
        startInfo.Environment["SampleShop__Traffic__Enabled"] = demo.Traffic ? "true" : "false";
        startInfo.Environment["SampleShop__ParentProcessId"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        // Its lines are re-logged by the console, which adds time and structure: plain single lines read best there.
        startInfo.Environment["Logging__Console__FormatterName"] = "simple";
        startInfo.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        return startInfo;
    }

    /// <summary>The dotnet host running the console (the muxer), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private async Task StopGracefullyAsync(Process process)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }

            UnixEnvironment.Signal(process.Id, UnixEnvironment.SigTerm);
            using var timeout = new CancellationTokenSource(StopTimeout);
            await process.WaitForExitAsync(timeout.Token);
            LogStopped(process.ExitCode);
        }
        catch (OperationCanceledException)
        {
            LogKilled(StopTimeout.TotalSeconds);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Exited in between.
        }
    }

    private void KillChild()
    {
        lock (_gate)
        {
            try
            {
                _child?.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    }

    private void OnOutput(string? line, bool error)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        if (!error && line.Contains(ListeningLine, StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }

        if (error)
        {
            LogStandardError(line);
        }
        else
        {
            LogStandardOutput(line);
        }
    }

    private void SetStatus(string status) => Volatile.Write(ref _status, status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo platform skipped: {Reason}")]
    private partial void LogSkipped(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SampleShop started (pid {ProcessId}) on {Urls}")]
    private partial void LogStarted(int processId, string urls);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SampleShop exited with code {ExitCode}")]
    private partial void LogExited(int exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "SampleShop stopped (exit code {ExitCode})")]
    private partial void LogStopped(int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SampleShop did not stop within {Seconds} s; killed")]
    private partial void LogKilled(double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "SampleShop could not be run: {Error}")]
    private partial void LogFailed(Exception exception, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restarting SampleShop in {Seconds} s")]
    private partial void LogRestarting(double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "sampleshop | {Line}")]
    private partial void LogStandardOutput(string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "sampleshop stderr | {Line}")]
    private partial void LogStandardError(string line);
}
