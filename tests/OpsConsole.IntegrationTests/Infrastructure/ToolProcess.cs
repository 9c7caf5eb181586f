using System.Diagnostics;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>A command-line tool (promtool, amtool) run to its exit against a deadline; what it printed comes back for the test.</summary>
public static class ToolProcess
{
    /// <summary>Runs <paramref name="binary"/>; past the deadline (default 60 s) it is killed by its own pid and the wait throws.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string binary, IEnumerable<string> arguments, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start");
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }
}
