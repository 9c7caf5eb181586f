using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;

namespace OpsConsole.IntegrationTests.Restores.Infrastructure;

/// <summary>One stretch during which the probe could not connect.</summary>
/// <param name="Length">From the end of the last successful attempt before it to the end of the first one after it
/// (or to <see cref="ConnectionGapProbe.StopAsync"/> when <paramref name="StillOpen"/>).</param>
public sealed record ConnectionGap(TimeSpan Length, int FailedAttempts, string FirstError, bool StillOpen);

/// <summary>
/// A client that connects in a loop, a new physical connection each time (no pool), runs <c>SELECT 1</c>, and records
/// the stretches in which that failed. A gap is measured from the last success before it to the first success after it,
/// so it never under-states the outage (it may over-state it by one attempt plus the pacing delay).
/// </summary>
public sealed class ConnectionGapProbe : IAsyncDisposable
{
    // Pacing between attempts, not synchronization: keeps the loop from saturating the 2-core machine.
    private static readonly TimeSpan Pacing = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan WaitPoll = TimeSpan.FromMilliseconds(10);

    private readonly string connectionString;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock sync = new();
    private readonly List<ConnectionGap> gaps = [];
    private Task loop = Task.CompletedTask;
    private int attempts;
    private int failures;
    private int successes;
    private long lastSuccessEnd;
    private long openGapStart;
    private int openGapFailures;
    private string? openGapFirstError;
    private string? lastError;

    private ConnectionGapProbe(string connectionString, TimeSpan connectTimeout)
    {
        this.connectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            Timeout = Math.Max(1, (int)Math.Ceiling(connectTimeout.TotalSeconds)),
            CommandTimeout = Math.Max(1, (int)Math.Ceiling(connectTimeout.TotalSeconds)),
            ApplicationName = "restore-test-gap-probe",
        }.ConnectionString;
    }

    public int Attempts => Volatile.Read(ref attempts);

    public int Failures => Volatile.Read(ref failures);

    public int Successes => Volatile.Read(ref successes);

    /// <summary>The last error seen, for assertion messages.</summary>
    public string? LastError
    {
        get
        {
            lock (sync)
            {
                return lastError;
            }
        }
    }

    /// <summary>Closed gaps, plus the one still open when the probe was stopped.</summary>
    public IReadOnlyList<ConnectionGap> Gaps
    {
        get
        {
            lock (sync)
            {
                return [.. gaps];
            }
        }
    }

    /// <summary>The longest gap so far (a gap still open counts up to now); zero when every attempt worked.</summary>
    public TimeSpan LongestGap
    {
        get
        {
            lock (sync)
            {
                var longest = gaps.Select(g => g.Length).DefaultIfEmpty(TimeSpan.Zero).Max();
                return openGapFailures > 0 && Stopwatch.GetElapsedTime(openGapStart) > longest ? Stopwatch.GetElapsedTime(openGapStart) : longest;
            }
        }
    }

    /// <summary>Starts probing <paramref name="connectionString"/>; each attempt may take up to <paramref name="connectTimeout"/> (default 2 s).</summary>
    public static ConnectionGapProbe Start(string connectionString, TimeSpan? connectTimeout = null)
    {
        var probe = new ConnectionGapProbe(connectionString, connectTimeout ?? TimeSpan.FromSeconds(2));
        probe.lastSuccessEnd = Stopwatch.GetTimestamp();
        probe.loop = Task.Run(probe.RunAsync);
        return probe;
    }

    /// <summary>Waits until <paramref name="count"/> more attempts have succeeded; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitForSuccessesAsync(int count, TimeSpan timeout)
    {
        var target = Successes + count;
        var clock = Stopwatch.StartNew();
        while (Successes < target)
        {
            if (clock.Elapsed > timeout || loop.IsCompleted)
            {
                throw new TimeoutException($"the probe saw {Successes - target + count} of {count} successful connections within {timeout}; last error: {LastError}");
            }

            await Task.Delay(WaitPoll);
        }
    }

    /// <summary>Waits until <paramref name="count"/> more attempts have failed; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitForFailuresAsync(int count, TimeSpan timeout)
    {
        var target = Failures + count;
        var clock = Stopwatch.StartNew();
        while (Failures < target)
        {
            if (clock.Elapsed > timeout || loop.IsCompleted)
            {
                throw new TimeoutException($"the probe saw {Failures - target + count} of {count} failed connections within {timeout}");
            }

            await Task.Delay(WaitPoll);
        }
    }

    /// <summary>Stops the loop; a gap still open is recorded up to now with <see cref="ConnectionGap.StillOpen"/>. Idempotent.</summary>
    public async Task StopAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await stop.CancelAsync();
        }

        await loop;
        lock (sync)
        {
            if (openGapFailures > 0)
            {
                gaps.Add(new ConnectionGap(Stopwatch.GetElapsedTime(openGapStart), openGapFailures, openGapFirstError!, StillOpen: true));
                openGapFailures = 0;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        stop.Dispose();
    }

    private async Task RunAsync()
    {
        var ct = stop.Token;
        while (!ct.IsCancellationRequested)
        {
            string? error = null;
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or SocketException or IOException)
            {
                error = ex is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : ex.Message;
            }

            Record(error);
            try
            {
                await Task.Delay(Pacing, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Record(string? error)
    {
        var now = Stopwatch.GetTimestamp();
        lock (sync)
        {
            attempts++;
            if (error is null)
            {
                successes++;
                if (openGapFailures > 0)
                {
                    gaps.Add(new ConnectionGap(Stopwatch.GetElapsedTime(openGapStart, now), openGapFailures, openGapFirstError!, StillOpen: false));
                    openGapFailures = 0;
                }

                lastSuccessEnd = now;
                return;
            }

            failures++;
            lastError = error;
            if (openGapFailures == 0)
            {
                openGapStart = lastSuccessEnd;
                openGapFirstError = error;
            }

            openGapFailures++;
        }
    }
}
