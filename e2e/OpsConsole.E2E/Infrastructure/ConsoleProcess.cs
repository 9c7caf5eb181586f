using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpsConsole.E2E.Infrastructure;

/// <summary>
/// The real console as a separate process (`dotnet OpsConsole.Web.dll`) on a free port, with its own data directory
/// and embedded PostgreSQL. Output goes to a log file next to the test assembly for diagnostics.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly StreamWriter log;
    private readonly object logGate = new();
    private bool terminateSent;

    private ConsoleProcess(Process process, StreamWriter log, string dataDirectory, Uri baseAddress, string logPath)
    {
        this.process = process;
        this.log = log;
        DataDirectory = dataDirectory;
        BaseAddress = baseAddress;
        LogPath = logPath;
    }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; }

    public string LogPath { get; }

    public int ProcessId => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>A fresh, empty data directory under the system temp directory.</summary>
    public static string NewDataDirectory() =>
        Directory.CreateTempSubdirectory("opsconsole-e2e-").FullName;

    /// <summary>
    /// Starts the console and waits until /health/ready answers 200. Pass the <paramref name="port"/> of a stopped
    /// console (and its data directory) to restart it where open pages expect it.
    /// </summary>
    public static async Task<ConsoleProcess> StartAsync(
        string dataDirectory, string name, IReadOnlyDictionary<string, string>? environment = null, int? port = null)
    {
        port ??= FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port.Value.ToString(CultureInfo.InvariantCulture)}/");
        var logDirectory = Path.Combine(AppContext.BaseDirectory, "TestResults", "console-logs");
        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, $"{name}-{DateTime.UtcNow:HHmmss.fff}-{port}.log");

        var startInfo = NewStartInfo(dataDirectory);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        foreach (var arg in new[] { RepoPaths.WebDll, "--contentRoot", RepoPaths.Root, "--urls", baseAddress.ToString().TrimEnd('/') })
        {
            startInfo.ArgumentList.Add(arg);
        }

        var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var console = new ConsoleProcess(process, log, dataDirectory, baseAddress, logPath);
        process.OutputDataReceived += (_, e) => console.Log("out", e.Data);
        process.ErrorDataReceived += (_, e) => console.Log("err", e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("dotnet did not start");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await console.WaitUntilReadyAsync();
        }
        catch
        {
            await console.DisposeAsync();
            throw;
        }

        return console;
    }

    /// <summary>Runs `OpsConsole.Web.dll admin ...` against this data directory; returns its standard output.</summary>
    public async Task<string> RunAdminAsync(params string[] args)
    {
        var startInfo = NewStartInfo(DataDirectory);
        startInfo.ArgumentList.Add(RepoPaths.WebDll);
        startInfo.ArgumentList.Add("admin");
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var admin = Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = admin.StandardOutput.ReadToEndAsync();
        var stderr = admin.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await admin.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        if (admin.ExitCode != 0)
        {
            throw new InvalidOperationException($"admin {string.Join(' ', args)} exited with {admin.ExitCode}:\n{output}\n{await stderr}");
        }

        return output;
    }

    /// <summary>The one-time password the console wrote for the bootstrap administrator.</summary>
    public string InitialAdminPassword() =>
        File.ReadAllText(Path.Combine(DataDirectory, "initial-admin-password")).Trim();

    /// <summary>SIGTERM (graceful: the console stops its embedded PostgreSQL), then waits for the exit.</summary>
    public async Task<int> StopAsync()
    {
        if (!process.HasExited)
        {
            SendTerminate();
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Log("test", "did not stop after SIGTERM; killing");
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        process.WaitForExit(); // drains the redirected output
        return process.ExitCode;
    }

    /// <summary>Sends SIGTERM once, without waiting: the console begins its graceful shutdown.</summary>
    public void SendTerminate()
    {
        if (!terminateSent && !process.HasExited)
        {
            terminateSent = true;
            Log("test", "sending SIGTERM");
            Signal(process.Id, "TERM");
        }
    }

    /// <summary>SIGKILL, as an OOM killer or `kill -9` would: the embedded postmaster is left running.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            Signal(process.Id, "KILL");
            await process.WaitForExitAsync();
        }

        process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            process.Dispose();
            lock (logGate)
            {
                log.Dispose();
            }
        }
    }

    /// <summary>The PID in the cluster's postmaster.pid, if the file exists.</summary>
    public static int? PostmasterPid(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "postgres", "postmaster.pid");
        if (!File.Exists(path))
        {
            return null;
        }

        var first = File.ReadLines(path).FirstOrDefault();
        return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    public static bool IsRunning(int pid)
    {
        try
        {
            // Exited-but-unreaped processes have an empty cmdline.
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Length > 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Last resort for a test that failed half-way: stops a postmaster nobody else will stop (SIGINT = fast shutdown).</summary>
    public static void StopOrphanedPostmaster(string dataDirectory)
    {
        if (PostmasterPid(dataDirectory) is { } pid && IsRunning(pid))
        {
            Signal(pid, "INT");
        }
    }

    public static void DeleteDataDirectory(string dataDirectory)
    {
        StopOrphanedPostmaster(dataDirectory);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(dataDirectory))
                {
                    Directory.Delete(dataDirectory, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(250); // a stopping postmaster may still be removing its files
            }
        }
    }

    private static ProcessStartInfo NewStartInfo(string dataDirectory)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.Environment["Storage__DataDirectory"] = dataDirectory;
        startInfo.Environment["ConnectionStrings__Console"] = "";
        startInfo.Environment["Logging__Console__FormatterName"] = "simple";
        startInfo.Environment.Remove("ASPNETCORE_URLS");
        startInfo.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        startInfo.Environment.Remove("DOTNET_ENVIRONMENT");
        return startInfo;
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                process.WaitForExit();
                throw new InvalidOperationException(
                    $"The console exited with code {process.ExitCode} before it was ready; log: {LogPath}\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Log("test", $"ready after {clock.Elapsed.TotalSeconds:0.0} s");
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            if (clock.Elapsed > ReadyTimeout)
            {
                throw new TimeoutException($"The console was not ready within {ReadyTimeout}; log: {LogPath}\n{Tail()}");
            }

            await Task.Delay(200);
        }
    }

    private string Tail()
    {
        lock (logGate)
        {
            log.Flush();
        }

        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n');
            return string.Join('\n', lines.TakeLast(40));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private void Log(string stream, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (logGate)
        {
            try
            {
                log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} [{stream}] {line}");
            }
            catch (ObjectDisposedException)
            {
                // output after the test closed the log
            }
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { $"-{signal}", pid.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
