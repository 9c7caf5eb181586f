using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Demo;

/// <summary>
/// At the demo's first start, applies SampleShop's first migrations (up to <see cref="AppliedAtStart"/>) the way a CI
/// job would have, so the migrations page opens on a history with work still pending (a new column, a concurrent index).
/// Runs once: any row in the history table means it happened before.
/// </summary>
public sealed partial class DemoMigrations(SampleShopSupervisor supervisor, IServiceProvider services, TimeProvider time, ILogger<DemoMigrations> logger) : BackgroundService
{
    public const string AppliedAtStart = "2";

    /// <summary>SampleShop's migrations folder, copied beside its binary.</summary>
    public static string FolderBeside(string shopAssembly) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(shopAssembly)) ?? "", "Migrations");

    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the setup is done, skipped or failed, or the console stops: nothing of it runs any more.</summary>
    public Task Settled => _settled.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SetUpAsync(stoppingToken);
        }
        finally
        {
            _settled.TrySetResult();
        }
    }

    private async Task SetUpAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<MigrationCatalog>()?.Find(SampleShopDatabase.Name) is not { } target)
        {
            return;
        }

        try
        {
            // SampleShop creates its baseline schema at its own start; the migrations build on it.
            await supervisor.Listening.WaitAsync(SampleShopStartGate.StartTimeout, time, stoppingToken);
            await ApplyAsync(target, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or MigrationLockedException or DatabaseConnectionException or Npgsql.NpgsqlException)
        {
            LogSkipped(ex.Message);
        }
    }

    private async Task ApplyAsync(MigrationTarget target, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var databases = scope.ServiceProvider.GetRequiredService<ManagedDatabaseCatalog>();
        var (folder, history, _, unreachable) = await MigrationService.ReadAsync(target, databases, ct);
        if (unreachable is not null || history.Count > 0)
        {
            return;
        }

        _ = MigrationVersion.TryParse(AppliedAtStart, out var upTo);
        var steps = folder.Migrations.Where(m => m.Version.CompareTo(upTo) <= 0).ToList();
        var actions = scope.ServiceProvider.GetRequiredService<AuditedActions>();
        await MigrationRunner.RunAsync(
            EngineConnections.Parse(databases.ConnectionString(target.Database)), steps,
            new MigrationRunSettings(target.LockTimeout, target.StatementTimeout, "demo setup", null, "opsconsole demo setup"),
            new LoggingContext(this, ct),
            rows => rows.Count == 0 ? null : "another instance applied them first",
            outcome => actions.RunAsync(AuditActors.System, async work =>
            {
                await work.RecordAsync("migrations.applied", "database", target.Name, outcome.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Failed,
                    ("version", outcome.Version), ("file", outcome.FileName), ("checksum", outcome.Checksum), ("error", outcome.Error), ("requested_by", "demo setup"));
                work.Publish(MigrationTopics.Changed, new MigrationsChanged(target.Name));
                return true;
            }, CancellationToken.None));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo migrations: {Line}")]
    private partial void LogLine(string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo migrations were not applied: {Reason}")]
    private partial void LogSkipped(string reason);

    private sealed class LoggingContext(DemoMigrations owner, CancellationToken cancellation) : IOperationContext
    {
        public Guid OperationId => Guid.Empty;

        public string Target => ManagedDatabaseCatalog.Target(SampleShopDatabase.Name);

        public CancellationToken Cancellation => cancellation;

        public void Log(string line, OperationLogLevel level = OperationLogLevel.Info) => owner.LogLine(line);

        public void Progress(double? fraction, string step)
        {
        }
    }
}
