using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Backups;

/// <summary>What the last look at a managed database's server found: its facts, or why it could not be read.</summary>
public sealed record DatabaseProbe(DatabaseInfo? Info, string? Error, DateTimeOffset At);

/// <summary>
/// Reads every managed database's server version, size and connections in the background, every
/// <see cref="BackupOptions.ProbeInterval"/>, so the Databases page renders from memory: 50 databases probed per page
/// view would make it as slow as the slowest server.
/// </summary>
public sealed partial class DatabaseProbeCache(
    ManagedDatabaseCatalog catalog,
    IEnumerable<IBackupTargetGate> gates,
    ILiveEvents live,
    IOptions<BackupOptions> options,
    TimeProvider time,
    ILogger<DatabaseProbeCache> logger) : BackgroundService
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, DatabaseProbe> _probes = new(StringComparer.Ordinal);

    public DatabaseProbe? Of(string name) => _probes.GetValueOrDefault(name);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (catalog.All.Count == 0)
        {
            return;
        }

        // A database whose backups changed is read again at once (a backup or drill just talked to its server).
        using var changed = live.Subscribe(BackupTopics.Changed, e => catalog.Find(e.Payload.Database) is { } db && _probes.ContainsKey(db.Name)
            ? ProbeAsync([db], stoppingToken)
            : Task.CompletedTask);
        using var timer = new PeriodicTimer(options.Value.ProbeInterval, time);
        do
        {
            await ProbeAllAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public Task ProbeAllAsync(CancellationToken cancellationToken) => ProbeAsync(catalog.All, cancellationToken);

    private async Task ProbeAsync(IEnumerable<ManagedDatabase> databases, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(databases, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (db, ct) =>
        {
            if (!_probes.ContainsKey(db.Name))
            {
                // The first look waits as the first backup does (the demo's database exists once SampleShop listens).
                foreach (var gate in gates)
                {
                    await gate.WaitAsync(db.Name, ct);
                }
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ProbeTimeout);
            DatabaseProbe probe;
            try
            {
                probe = new DatabaseProbe(await Engine.DatabaseProbe.ReadAsync(catalog.ConnectionString(db), timeout.Token), null, time.GetUtcNow());
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                probe = new DatabaseProbe(null, $"no answer within {ProbeTimeout.TotalSeconds:0} s", time.GetUtcNow());
            }
            catch (Exception ex) when (ex is DatabaseConnectionException or Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                probe = new DatabaseProbe(null, ex.Message, time.GetUtcNow());
            }

            var before = _probes.GetValueOrDefault(db.Name);
            _probes[db.Name] = probe;
            if (before?.Error != probe.Error || before?.Info?.SizeBytes != probe.Info?.SizeBytes || before?.Info?.Connections != probe.Info?.Connections)
            {
                if (probe.Error is not null && before?.Error != probe.Error)
                {
                    LogProbeFailed(db.Name, probe.Error);
                }

                live.Publish(BackupTopics.Probed, new BackupsChanged(db.Name));
            }
        });
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Managed database {Database} cannot be read: {Error}")]
    private partial void LogProbeFailed(string database, string error);
}
