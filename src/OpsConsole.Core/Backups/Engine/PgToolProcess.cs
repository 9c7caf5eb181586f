using System.ComponentModel;
using System.Diagnostics;
using Npgsql;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>
/// One run of pg_dump or pg_restore: started with the connection in its environment (never its arguments), stdout
/// left to the caller as a stream, stderr read line by line into a callback and the last lines kept for the failure
/// message. Disposing kills the process tree if it still runs, so no exit path leaves a tool behind.
/// </summary>
internal sealed class PgToolProcess : IDisposable
{
    private const int KeptLines = 30;

    private readonly Process process;
    private readonly Queue<string> lastLines = new();
    private readonly Lock gate = new();

    private PgToolProcess(Process process, Action<string>? onStderrLine)
    {
        this.process = process;
        StderrCompletion = ReadStderrAsync(onStderrLine);
    }

    public string Name => Path.GetFileName(process.StartInfo.FileName);

    public Stream StandardOutput => process.StandardOutput.BaseStream;

    /// <summary>Completes when stderr reaches its end (the process exited or closed it).</summary>
    public Task StderrCompletion { get; }

    /// <exception cref="BackupFailedException">The program could not be started (<see cref="BackupFailure.ToolMissing"/>).</exception>
    public static PgToolProcess Start(string program, IEnumerable<string> arguments, NpgsqlConnectionStringBuilder? connection, Action<string>? onStderrLine)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // "/" is readable by every account; a root-only working directory makes the tools warn.
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (connection is null)
        {
            PgToolEnvironment.ClearInherited(start.Environment);
        }
        else
        {
            PgToolEnvironment.Apply(start.Environment, connection);
        }

        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new BackupFailedException(BackupFailure.ToolMissing, $"could not run {program}: {ex.Message}", ex);
        }

        // Nothing is ever typed in: a password prompt must fail at once instead of waiting forever.
        process.StandardInput.Close();
        return new PgToolProcess(process, onStderrLine);
    }

    /// <summary>Runs to the end with stdout and stderr captured (short commands: --version, --list); killed past the timeout or on cancel.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(
        string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        using var tool = Start(program, arguments, connection: null, onStderrLine: null);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        using var reader = new StreamReader(tool.StandardOutput);
        try
        {
            var output = await reader.ReadToEndAsync(deadline.Token);
            var exitCode = await tool.WaitForExitAsync(deadline.Token);
            return (exitCode, output, tool.LastLines());
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new BackupFailedException(BackupFailure.ToolFailed, $"{program} did not finish within {timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>Waits for the exit and for stderr's last line; the exit code is 128 + n when signal n killed it.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken ct)
    {
        await process.WaitForExitAsync(ct);
        await StderrCompletion.WaitAsync(ct);
        return process.ExitCode;
    }

    /// <summary>Kills the tool and anything it started; a no-op once it has exited.</summary>
    public void Kill()
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (Win32Exception)
        {
            // Exited between the check and the signal.
        }
    }

    /// <summary>The last lines it wrote to stderr, errors kept in preference (the verbose chatter before them says little).</summary>
    public string LastLines(int count = 5)
    {
        lock (gate)
        {
            var errors = lastLines.Where(PgVerboseOutput.IsError).ToList();
            var chosen = errors.Count > 0 ? errors : lastLines.ToList();
            return string.Join('\n', chosen.TakeLast(count));
        }
    }

    /// <summary>Describes a failed exit: killed by a signal, or the error lines.</summary>
    public BackupFailedException Failure(int exitCode)
    {
        var lines = LastLines();
        if (exitCode > 128)
        {
            var signal = exitCode - 128;
            var name = signal switch { 9 => " (SIGKILL)", 15 => " (SIGTERM)", 6 => " (SIGABRT)", 11 => " (SIGSEGV)", _ => "" };
            return new BackupFailedException(BackupFailure.ToolKilled, $"{Name} was killed by signal {signal}{name}" + (lines.Length > 0 ? $"; its last output: {lines}" : ""));
        }

        if (PgVerboseOutput.MentionsDiskFull(lines))
        {
            return new BackupFailedException(BackupFailure.DiskFull, $"disk full: {Name} failed with exit code {exitCode}: {lines}");
        }

        return new BackupFailedException(BackupFailure.ToolFailed, $"{Name} failed with exit code {exitCode}" + (lines.Length > 0 ? $": {lines}" : ""));
    }

    public void Dispose()
    {
        Kill();
        process.Dispose();
    }

    private async Task ReadStderrAsync(Action<string>? onStderrLine)
    {
        // Off the caller's stack: the first line may already be waiting, and the callback may report through the context.
        await Task.Yield();
        var stderr = process.StandardError;
        while (await stderr.ReadLineAsync() is { } line)
        {
            lock (gate)
            {
                lastLines.Enqueue(line);
                if (lastLines.Count > KeptLines)
                {
                    lastLines.Dequeue();
                }
            }

            onStderrLine?.Invoke(line);
        }
    }
}
