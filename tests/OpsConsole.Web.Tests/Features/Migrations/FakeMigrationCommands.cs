using System.Security.Claims;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Migrations;

namespace OpsConsole.Web.Tests.Features.Migrations;

/// <summary>
/// Migrations in memory behind <see cref="IMigrationCommands"/>, the seam the migration pages use (the real service needs
/// PostgreSQL; its rules are covered by the integration tests). A test sets the status a database has and what a request
/// answers, and reads what the page asked for. <see cref="Shop"/> is the demo's shape: V1 and V2 applied, V3 and V4 pending.
/// </summary>
public sealed class FakeMigrationCommands : IMigrationCommands
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    public const string Fingerprint = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    public const string V3Sql = """
        -- An optional phone number.
        ALTER TABLE shop.customers ADD COLUMN phone text;

        ALTER TABLE shop.customers
            ADD CONSTRAINT customers_phone_e164 CHECK (phone ~ '^\+[1-9]') NOT VALID;
        """;

    public const string V4Sql = """
        -- opsconsole:no-transaction
        CREATE INDEX CONCURRENTLY IF NOT EXISTS order_lines_product_idx ON shop.order_lines (product_id);
        """;

    public const string U2Sql = "ALTER TABLE shop.products DROP COLUMN IF EXISTS updated_at;";

    private readonly object _lock = new();
    private readonly Dictionary<string, MigrationsView> _views = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, MigrationRunView> _runs = [];
    private int _reads;

    public FakeMigrationCommands() => Set(Shop());

    public bool MayAct { get; set; } = true;

    public int Reads => Volatile.Read(ref _reads);

    /// <summary>What an apply answers (or throws); default: an apply operation of the database.</summary>
    public Func<string, OperationView>? OnApply { get; set; }

    public List<(string Database, string Fingerprint, string? UpTo, string By)> Applies { get; } = [];

    public List<(string Database, string? UpTo)> Rehearsals { get; } = [];

    public List<(string Database, string Version)> Undos { get; } = [];

    public void Set(MigrationsView view)
    {
        lock (_lock)
        {
            _views[view.Database] = view;
        }
    }

    public MigrationRunView AddRun(MigrationRunView run)
    {
        lock (_lock)
        {
            _runs[run.Id] = run;
            return run;
        }
    }

    public Task<bool> MayActAsync(ClaimsPrincipal caller) => Task.FromResult(MayAct);

    public Task<MigrationsView> GetAsync(ClaimsPrincipal caller, string database, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        lock (_lock)
        {
            return _views.TryGetValue(database, out var view)
                ? Task.FromResult(view)
                : Task.FromException<MigrationsView>(new KeyNotFoundException($"\"{database}\" is not a managed database (ManagedDatabases)."));
        }
    }

    public Task<OperationView> RehearseAsync(ClaimsPrincipal caller, string database, string? upTo)
    {
        Rehearsals.Add((database, upTo));
        return Task.FromResult(Operation(MigrationKinds.Rehearse, database, OperationState.Queued));
    }

    public Task<OperationView> ApplyAsync(ClaimsPrincipal caller, string database, string fingerprint, string? upTo)
    {
        Applies.Add((database, fingerprint, upTo, AuditActors.Describe(caller).Name));
        return Task.FromResult(OnApply is { } answer ? answer(fingerprint) : Operation(MigrationKinds.Apply, database, OperationState.AwaitingApproval));
    }

    public Task<OperationView> UndoAsync(ClaimsPrincipal caller, string database, string version)
    {
        Undos.Add((database, version));
        return Task.FromResult(Operation(MigrationKinds.Undo, database, OperationState.Queued));
    }

    public Task<IReadOnlyList<MigrationRunView>> ListRunsAsync(ClaimsPrincipal caller, string database, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<MigrationRunView>>([.. _runs.Values.Where(r => r.Database == database).OrderByDescending(r => r.RequestedAt).Take(limit)]);
        }
    }

    public Task<MigrationRunView?> GetRunAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_runs.GetValueOrDefault(id));
        }
    }

    public static MigrationEntryView Applied(string version, string description, string sql, int hoursAgo = 24, string? undoFile = null, string? undoSql = null) => new(
        version, description, MigrationState.Applied, $"applied {T0.AddHours(-hoursAgo):yyyy-MM-dd HH:mm} UTC by opsconsole", $"V{version}__{description}.sql",
        MigrationFiles.Checksum(sql), MigrationFiles.Checksum(sql), "opsconsole", T0.AddHours(-hoursAgo), 0.042, false, 1, [], sql, undoFile, undoSql);

    public static MigrationEntryView Pending(string version, string description, string sql, IReadOnlyList<MigrationFlagView>? flags = null, bool nonTransactional = false) => new(
        version, description, MigrationState.Pending, $"V{version}__{description}.sql is not applied yet", $"V{version}__{description}.sql",
        MigrationFiles.Checksum(sql), null, null, null, null, nonTransactional, 2, flags ?? [], sql, null, null);

    public static PlannedMigration Planned(MigrationEntryView entry, bool isUndo = false) =>
        new(entry.Version, entry.FileName!, entry.Checksum!, entry.NonTransactional, isUndo);

    public static readonly MigrationFlagView V3Flag = new(4, LockSeverity.Warning, "ACCESS EXCLUSIVE", "a CHECK constraint is added under an ACCESS EXCLUSIVE lock");

    public static readonly MigrationFlagView V4Flag = new(2, LockSeverity.Info, "SHARE UPDATE EXCLUSIVE", "builds the index without blocking writes");

    /// <summary>The demo's shape: V1 and V2 applied (V2 has an undo script), V3 and V4 pending.</summary>
    public static MigrationsView Shop(
        string database = "shop",
        IReadOnlyList<string>? blockers = null,
        MigrationLockHolder? holder = null,
        MigrationRunView? rehearsal = null,
        MigrationRunView? lastRun = null,
        bool needsApproval = true,
        IReadOnlyList<MigrationEntryView>? migrations = null,
        string? unreachable = null)
    {
        var list = migrations ??
        [
            Applied("1", "orders_status_check", "ALTER TABLE shop.orders VALIDATE CONSTRAINT orders_status_known;", hoursAgo: 48),
            Applied("2", "products_updated_at", "ALTER TABLE shop.products ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();", undoFile: "U2__products_updated_at.sql", undoSql: U2Sql),
            Pending("3", "customers_phone", V3Sql, [V3Flag]),
            Pending("4", "order_lines_product_index", V4Sql, [V4Flag], nonTransactional: true),
        ];
        var checksums = list.Select(m => m.Checksum ?? "").Concat(["", ""]).ToList();
        var pending = list.Where(m => m.State == MigrationState.Pending).Select(m => Planned(m)).ToList();
        var newestApplied = list.LastOrDefault(m => m.State == MigrationState.Applied && m.UndoFileName is not null);
        return new MigrationsView(
            database, true, "/srv/shop/migrations", unreachable, list, blockers ?? [], pending, pending.Count == 0 ? "" : Fingerprint, holder, rehearsal, lastRun,
            newestApplied is null ? null : new UndoCandidate(newestApplied.Version, newestApplied.FileName!, newestApplied.UndoFileName!, MigrationState.Applied),
            needsApproval,
            [
                new HistoryRow(2, "2", "products updated at", MigrationHistory.MigrationType, "V2__products_updated_at.sql", checksums[1], "opsconsole", T0.AddHours(-24), 42, true, Guid.CreateVersion7(T0)),
                new HistoryRow(1, "1", "orders status check", MigrationHistory.MigrationType, "V1__orders_status_check.sql", checksums[0], "opsconsole", T0.AddHours(-48), 12, true, null),
            ]);
    }

    public static MigrationsView NotConfigured(string database = "console") =>
        new(database, false, null, null, [], [], [], "", null, null, null, null, false, []);

    public static MigrationRunView Run(
        string kind, string database = "shop", OperationState state = OperationState.Succeeded, IReadOnlyList<PlannedMigration>? plan = null,
        IReadOnlyList<MigrationOutcome>? outcomes = null, bool? succeeded = true, string? error = null, string? failedFile = null, int? failedLine = null,
        Guid? rehearsal = null, Guid? backup = null, string? warning = null, int minutesAgo = 10) => new(
        Guid.CreateVersion7(T0.AddMinutes(-minutesAgo)), database, kind, state, Fingerprint, plan ?? [], null, rehearsal, backup,
        backup is null ? null : "shop-20260501095000-pre-migration.dump", "sam", T0.AddMinutes(-minutesAgo),
        OperationLifecycle.IsFinal(state) ? T0.AddMinutes(-minutesAgo + 1) : null, succeeded, error, failedFile, failedLine, outcomes ?? [], warning);

    public static MigrationOutcome Outcome(PlannedMigration file, bool succeeded = true, double seconds = 0.8, int? failedLine = null, string? error = null) =>
        new(file.Version, file.FileName, file.Checksum, file.IsUndo, !file.NonTransactional, succeeded, seconds, 2,
            [new LockTaken("shop.customers", "AccessExclusiveLock")], failedLine, error);

    public static OperationView Operation(string kind, string database, OperationState state) => new(
        Guid.CreateVersion7(T0), kind, ManagedDatabaseCatalog.Target(database), $"{kind} {database}", state,
        new Dictionary<string, string> { ["database"] = database, ["fingerprint"] = Fingerprint }, "sam", T0, state == OperationState.AwaitingApproval, T0.AddHours(1),
        null, null, false, null, null, null, state == OperationState.Running ? T0 : null, null, null, null, 0)
    {
        RequestedById = "u-sam",
    };
}
