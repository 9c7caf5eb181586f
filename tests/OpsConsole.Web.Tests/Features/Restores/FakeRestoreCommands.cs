using System.Security.Claims;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.Web.Features.Restores;

namespace OpsConsole.Web.Tests.Features.Restores;

/// <summary>
/// Restores in memory behind <see cref="IRestoreCommands"/>, the seam the restore pages use (the real services need
/// PostgreSQL and pg_restore; their rules are covered by the integration tests). A test sets the plan the planner makes
/// and what a request answers, and reads what the page asked for.
/// </summary>
public sealed class FakeRestoreCommands : IRestoreCommands
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly object _lock = new();
    private readonly List<RestoreView> _restores = [];

    public bool MayAct { get; set; } = true;

    public List<BackupView> Backups { get; } = [];

    /// <summary>The planner: what <see cref="PlanAsync"/> answers (or throws) for a request.</summary>
    public Func<RestorePlanRequest, RestorePlanView> OnPlan { get; set; } = _ => Plan();

    /// <summary>What a request answers (or throws); default: the restore's operation, waiting or queued as the plan says.</summary>
    public Func<Guid, string?, OperationView>? OnRequest { get; set; }

    public List<(string Database, RestorePlanRequest Request)> Plans { get; } = [];

    public List<(string Database, Guid Plan, string? Confirmation, string By)> Requests { get; } = [];

    public List<(Guid Restore, string? Confirmation, string By)> SwapBacks { get; } = [];

    public int ListReads { get; private set; }

    public Task<bool> MayActAsync(ClaimsPrincipal caller) => Task.FromResult(MayAct);

    public Task<IReadOnlyList<BackupView>> ListBackupsAsync(ClaimsPrincipal caller, string database, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<BackupView>>([.. Backups.Where(b => b.Database == database).Take(limit)]);

    public Task<RestorePlanView> PlanAsync(ClaimsPrincipal caller, string database, RestorePlanRequest request, CancellationToken cancellationToken = default)
    {
        Plans.Add((database, request));
        return Task.FromResult(OnPlan(request));
    }

    public Task<OperationView> RequestAsync(ClaimsPrincipal caller, string database, Guid planId, string? confirmation)
    {
        Requests.Add((database, planId, confirmation, AuditActors.Describe(caller).Name));
        return Task.FromResult(OnRequest is { } answer ? answer(planId, confirmation) : Operation(RestoreKinds.Restore, database, OperationState.AwaitingApproval));
    }

    public Task<IReadOnlyList<RestoreView>> ListAsync(ClaimsPrincipal caller, string database, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ListReads++;
            return Task.FromResult<IReadOnlyList<RestoreView>>([.. _restores.Where(r => r.Database == database).OrderByDescending(r => r.RequestedAt).Take(limit)]);
        }
    }

    public Task<OperationView> SwapBackAsync(ClaimsPrincipal caller, Guid restore, string? confirmation)
    {
        SwapBacks.Add((restore, confirmation, AuditActors.Describe(caller).Name));
        return Task.FromResult(Operation(RestoreKinds.SwapBack, "shop", OperationState.Queued));
    }

    public RestoreView Add(RestoreView restore)
    {
        lock (_lock)
        {
            _restores.RemoveAll(r => r.Id == restore.Id);
            _restores.Add(restore);
            return restore;
        }
    }

    public static BackupView Backup(int hoursAgo, bool verified = true, string database = "shop") => new(
        Guid.CreateVersion7(T0.AddHours(-hoursAgo)), database, BackupPurposes.Scheduled, T0.AddHours(-hoursAgo).AddSeconds(-3), T0.AddHours(-hoursAgo),
        $"{database}-{T0.AddHours(-hoursAgo):yyyyMMddHHmmss}-scheduled.dump", 12 * 1024 * 1024,
        "3f2a9c0d1e7b44aa0123456789abcdef0123456789abcdef0123456789abcdef", 2.5, "15.18", "15.18", 4, 1500, verified,
        verified ? T0.AddHours(-hoursAgo).AddMinutes(1) : null, verified ? null : "checksum mismatch", null);

    public static RestorePlanView Plan(
        IReadOnlyList<string>? problems = null,
        IReadOnlyList<string>? warnings = null,
        IReadOnlyList<RestoreConnection>? connections = null,
        bool needsApproval = true,
        string mode = RestoreModes.Replace,
        string? newDatabase = null,
        BackupView? backup = null) => new(
        Guid.CreateVersion7(T0), "shop", mode, newDatabase, backup ?? Backup(3), backup is null, new DrillView(Guid.NewGuid(), "shop", Guid.NewGuid(), T0.AddDays(-1), true, 42.5, null),
        "15.18", 40 * 1024 * 1024, "shop_owner",
        [new DiskCheck("database server (the restored copy)", "/var/lib/postgresql/15/main", 8L * 1024 * 1024 * 1024, 48 * 1024 * 1024, null),
         new DiskCheck("backup storage (the pre-restore backup)", "/srv/backups", null, 14 * 1024 * 1024, "the backup directory cannot be read")],
        connections ?? [], TimeSpan.FromSeconds(51), "the last drill restored 12 MiB in 42.5 s", TimeSpan.FromSeconds(3),
        RestorePlanner.StepNames(mode, "shop", newDatabase, connections?.Count ?? 0, TimeSpan.FromHours(24)),
        problems ?? [], warnings ?? [], needsApproval, Protected: false, RestoreConfirmation.Expected(mode, "shop", newDatabase),
        "sam", T0, T0.AddMinutes(30));

    public static RestoreConnection Connection(int pid, string application, string client) =>
        new(pid, application, "shop_app", client, T0.AddMinutes(-pid), "idle");

    public static OperationView Operation(string kind, string database, OperationState state, string? step = null, double? progress = null) => new(
        Guid.CreateVersion7(T0), kind, ManagedDatabaseCatalog.Target(database), $"Restore {database}", state,
        new Dictionary<string, string> { ["database"] = database }, "sam", T0, state == OperationState.AwaitingApproval, T0.AddHours(1),
        null, null, false, null, progress, step, state == OperationState.Running ? T0 : null, null, null, null, 0);

    public static RestoreView Restore(
        int hoursAgo, string phase = RestorePhases.Done, OperationState state = OperationState.Succeeded, string? setAside = "shop__before_20260501",
        int keepHours = 24, DateTimeOffset? dropped = null, DateTimeOffset? swappedBack = null, string mode = RestoreModes.Replace)
    {
        var at = T0.AddHours(-hoursAgo);
        return new RestoreView(
            Guid.CreateVersion7(at), "shop", mode, Guid.NewGuid(), "shop-20260430-scheduled.dump", phase, state, "sam", "bob", at, at.AddSeconds(1),
            phase == RestorePhases.Done ? at.AddSeconds(40) : null, at.AddSeconds(41), 38.2, phase == RestorePhases.Done ? 412.6 : null, "shop__restore_20260501",
            setAside, setAside is null ? null : at.AddHours(keepHours), swappedBack, swappedBack is null ? null : "bob", dropped, null,
            state == OperationState.Failed ? "pg_restore exited with code 1" : null);
    }
}
