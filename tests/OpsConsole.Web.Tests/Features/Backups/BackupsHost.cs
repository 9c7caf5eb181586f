using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Backups;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Tests.Features.Backups;

/// <summary>
/// The real console host for the Databases pages: its own embedded PostgreSQL, the real backup service, operation
/// runner, probes and live bus. Two managed databases: <see cref="Shop"/> is the host's own database (reached as the
/// cluster's superuser, as the demo does, so "Back up now" runs the real pg_dump) and <see cref="Lost"/> points at a
/// closed port (its probe fails). Each test starts from empty backup, drill and operation tables.
/// </summary>
public sealed class BackupsHost : IAsyncLifetime
{
    public const string Shop = "shop";
    public const string Lost = "lost";
    public static readonly TimeSpan Rpo = TimeSpan.FromHours(10);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("opsconsole-backups-ui-");
    private ConsoleApp? _app;

    public IServiceProvider Services => _app!.App.Services;

    public LiveEventBus Bus => Services.GetRequiredService<LiveEventBus>();

    public async Task InitializeAsync()
    {
        _app = await ConsoleApp.CreateAsync(
            ["--urls", "http://127.0.0.1:0"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Console"] = "", // embedded PostgreSQL under the data directory
                ["Storage:DataDirectory"] = _dataDirectory.FullName,
                ["Demo:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:Console:FormatterName"] = "simple",
                // The cluster's address is known only once it runs: set below, before the options are first read.
                [$"ManagedDatabases:{Shop}:ConnectionString"] = "Host=127.0.0.1;Port=1",
                [$"ManagedDatabases:{Shop}:Schedule"] = "0 0 1 1 *", // yearly, and no catch-up: nothing runs on its own
                [$"ManagedDatabases:{Shop}:Rpo"] = "10h",
                [$"ManagedDatabases:{Shop}:DrillSchedule"] = "30 4 * * 0",
                [$"ManagedDatabases:{Shop}:TimeZone"] = "Europe/Paris",
                [$"ManagedDatabases:{Shop}:Protected"] = "true",
                [$"ManagedDatabases:{Lost}:ConnectionString"] = "Host=127.0.0.1;Port=1;Database=lost;Username=nobody;Password=none;Timeout=2",
                [$"ManagedDatabases:{Lost}:Schedule"] = "0 0 1 1 *",
                [$"ManagedDatabases:{Lost}:Rpo"] = "26h",
                ["Backups:CatchUp"] = "false",
                ["Backups:DefaultRules"] = "false",
                ["Backups:ProbeInterval"] = "00:00:01",
                ["Operations:FlushInterval"] = "00:00:00.100",
            }));
        _app.App.Configuration[$"ManagedDatabases:{Shop}:ConnectionString"] = _app.Database.Embedded!.ConnectionString;
        await _app.App.StartAsync();
        await WaitAsync(() => Probes.Of(Shop)?.Info is not null && Probes.Of(Lost)?.Error is not null, "both databases probed");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.App.StopAsync();
            await _app.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        NamedDataSources.ClearAll();
        try
        {
            _dataDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Temp directory; harmless if a file is still open.
        }
    }

    public DatabaseProbeCache Probes => Services.GetRequiredService<DatabaseProbeCache>();

    public BackupCommands Commands => Services.GetRequiredService<BackupCommands>();

    /// <summary>Empties the backup, drill and operation tables (the audit log stays: it is append-only).</summary>
    public async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(_app!.Database.Connections.Owner);
        await connection.OpenAsync();
        await using var truncate = new NpgsqlCommand("TRUNCATE console.backups, console.backup_drills, console.operation_log, console.operations", connection);
        await truncate.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Writes rows as the operations would have, each backup with a small file that is not a dump (deleting finds a
    /// file; verifying it fails), and tells the pages, as the operations would.
    /// </summary>
    public async Task AddAsync(params object[] rows)
    {
        await using (var scope = Services.CreateAsyncScope())
        {
            var storage = scope.ServiceProvider.GetRequiredService<BackupStorage>();
            foreach (var backup in rows.OfType<StoredBackup>())
            {
                await File.WriteAllBytesAsync(Path.Combine(storage.FolderOf(backup.Database), backup.FileName), [1, 2, 3, 4]);
            }

            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            db.AddRange(rows);
            await db.SaveChangesAsync();
        }

        foreach (var database in rows.Select(Database).Distinct())
        {
            Bus.Publish(BackupTopics.Changed, new BackupsChanged(database));
        }
    }

    public static StoredBackup Backup(string database, TimeSpan ago, bool verified = true, string purpose = BackupPurposes.Scheduled, string? verifyError = null)
    {
        var at = DateTimeOffset.UtcNow - ago;
        return new StoredBackup
        {
            Id = Guid.CreateVersion7(at),
            Database = database,
            Purpose = purpose,
            StartedAt = at - TimeSpan.FromSeconds(3),
            CompletedAt = at,
            FileName = $"{database}-{at:yyyyMMddHHmmssfff}-{purpose}.dump",
            SizeBytes = 3 * 1024 * 1024,
            Sha256 = "3f2a9c0d1e7b44aa0123456789abcdef0123456789abcdef0123456789abcdef",
            DurationSeconds = 2.5,
            PgDumpVersion = "15.18",
            ServerVersion = "15.18",
            Manifest = """{"public.orders": 1200, "public.customers": 300}""",
            Verified = verified,
            VerifiedAt = verified ? at : null,
            VerifyError = verifyError,
        };
    }

    public static StoredDrill Drill(string database, TimeSpan ago, bool passed, double seconds = 2.34, string? error = null) => new()
    {
        Id = Guid.NewGuid(),
        Database = database,
        BackupId = Guid.NewGuid(),
        At = DateTimeOffset.UtcNow - ago,
        Succeeded = passed,
        RestoreSeconds = seconds,
        Error = error,
    };

    /// <summary>A finished or waiting backup operation on a database, as the runner would have left it.</summary>
    public static StoredOperation Operation(string database, OperationState state, TimeSpan ago, string? error = null)
    {
        var at = DateTimeOffset.UtcNow - ago;
        var final = state is OperationState.Succeeded or OperationState.Failed or OperationState.Cancelled;
        return new StoredOperation
        {
            Id = Guid.CreateVersion7(at),
            Kind = BackupKinds.Backup,
            Target = ManagedDatabaseCatalog.Target(database),
            Title = $"Back up {database} (scheduled)",
            Parameters = $$"""{"database": "{{database}}", "purpose": "scheduled"}""",
            State = state,
            RequestedBy = "system",
            RequestedAt = at,
            // A request waiting for approval holds the target without the runner ever picking it up.
            NeedsApproval = state == OperationState.AwaitingApproval,
            ApprovalExpiresAt = state == OperationState.AwaitingApproval ? at + TimeSpan.FromDays(1) : null,
            StartedAt = state == OperationState.AwaitingApproval ? null : at,
            EndedAt = final ? at + TimeSpan.FromSeconds(4) : null,
            Error = error,
            UpdatedAt = at,
        };
    }

    /// <summary>Who deleted a backup and why, as the inventory keeps it.</summary>
    public async Task<(string? By, string? Reason)> DeletedAsync(Guid backup)
    {
        await using var scope = Services.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Backups.AsNoTracking().SingleAsync(b => b.Id == backup);
        return (row.DeletedBy, row.DeleteReason);
    }

    /// <summary>The page's live subscriptions: its backup feed's three and its restore history's two (restores and operations).</summary>
    public int FeedSubscribers => Subscribers(BackupTopics.Changed.Name) + Subscribers(BackupTopics.Probed.Name) + Subscribers(OperationTopics.Changed.Name)
        + Subscribers(OpsConsole.Core.Restores.RestoreKinds.Changed.Name);

    private int Subscribers(string topic) => Bus.Statistics.Topics.TryGetValue(topic, out var t) ? t.Subscribers : 0;

    public static ClaimsPrincipal User(string name, string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.NameIdentifier, name), new Claim(ClaimTypes.Role, role)], "test"));

    /// <summary>Waits for a condition with a deadline (polling: these are database facts, not events).</summary>
    public static async Task WaitAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Never happened: {what}");
            }
        }
    }

    private static string Database(object row) => row switch
    {
        StoredBackup b => b.Database,
        StoredDrill d => d.Database,
        StoredOperation o => ManagedDatabaseCatalog.NameOf(o.Target)!,
        _ => throw new ArgumentException($"not a backup row: {row.GetType().Name}", nameof(row)),
    };
}

[CollectionDefinition(Name)]
public sealed class BackupsHostCollection : ICollectionFixture<BackupsHost>
{
    /// <summary>The Databases page tests share one host and run one at a time.</summary>
    public const string Name = "backups-host";
}
