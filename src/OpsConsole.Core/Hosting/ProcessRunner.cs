using System.Diagnostics;

namespace OpsConsole.Core.Hosting;

internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public string Output => string.Join('\n', new[] { StandardOutput.Trim(), StandardError.Trim() }.Where(s => s.Length > 0));
}

internal static class ProcessRunner
{
    /// <summary>Runs a command to completion with captured output; kills it on timeout or cancellation.</summary>
    public static async Task<ProcessResult> RunAsync(ProcessCommand command, TimeSpan timeout, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // "/" is traversable by every account; a root-only cwd (e.g. /root) makes postgres tools warn or fail.
            WorkingDirectory = "/",
        };
        foreach (var arg in command.Arguments)
        {
            psi.ArgumentList.Add(arg);
        }

        // Connection settings from the console's environment must not redirect the server tools.
        foreach (var name in new[] { "PGDATA", "PGPORT", "PGHOST", "PGOPTIONS" })
        {
            psi.Environment.Remove(name);
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new EmbeddedPostgresException($"Could not run '{command.FileName}': {ex.Message}", ex);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token);
        }
        catch (OperationCanceledException)
        {
            TryKill(process);
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"'{command}' did not finish within {timeout.TotalSeconds:0} s.");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
