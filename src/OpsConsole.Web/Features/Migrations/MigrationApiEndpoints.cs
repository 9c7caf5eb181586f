using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Operations;

namespace OpsConsole.Web.Features.Migrations;

/// <summary>Body of POST /databases/{name}/migrations/rehearsals: optionally only up to a version.</summary>
public sealed record RehearseMigrationsBody(string? UpTo);

/// <summary>
/// Body of POST /databases/{name}/migrations/apply: optionally only up to a version, and the fingerprint of the pending
/// migrations the caller reviewed (from GET .../migrations): a different set is refused with 422.
/// </summary>
public sealed record ApplyMigrationsBody(string? Fingerprint, string? UpTo);

/// <summary>Body of POST /databases/{name}/migrations/undo: the version to undo (the newest applied one).</summary>
public sealed record UndoMigrationBody(string? Version);

public sealed record MigrationFlagResponse(int Line, string Severity, string Lock, string Why);

/// <summary>One migration; <c>state</c> is pending, applied, failed, missing, changed or out-of-order.</summary>
public sealed record MigrationResponse(
    string Version, string Description, string State, string Explanation, string? File, string? Checksum, string? AppliedChecksum, string? AppliedBy,
    DateTimeOffset? AppliedAt, double? DurationSeconds, bool NonTransactional, int Statements, IReadOnlyList<MigrationFlagResponse> Flags, string? Sql,
    string? UndoFile, string? UndoSql)
{
    public static MigrationResponse From(MigrationEntryView m) => new(
        m.Version, m.Description, StateName(m.State), m.Explanation, m.FileName, m.Checksum, m.AppliedChecksum, m.AppliedBy, m.AppliedAt, m.DurationSeconds,
        m.NonTransactional, m.Statements, [.. m.Flags.Select(f => new MigrationFlagResponse(f.Line, f.Severity.ToString().ToLowerInvariant(), f.Lock, f.Why))], m.Sql,
        m.UndoFileName, m.UndoSql);

    public static string StateName(MigrationState state) => state == MigrationState.OutOfOrder ? "out-of-order" : state.ToString().ToLowerInvariant();
}

public sealed record MigrationRunResponse(
    Guid Id, string Database, string Kind, string State, string Fingerprint, IReadOnlyList<PlannedMigration> Plan, string? UpTo, Guid? RehearsalId,
    Guid? BackupId, string? BackupFile, string RequestedBy, DateTimeOffset RequestedAt, DateTimeOffset? EndedAt, bool? Succeeded, string? Error,
    string? FailedFile, int? FailedLine, IReadOnlyList<MigrationOutcome> Outcomes, string? Warning)
{
    public static MigrationRunResponse From(MigrationRunView r) => new(
        r.Id, r.Database, r.Kind, OperationResponse.StateName(r.State), r.Fingerprint, r.Plan, r.UpTo, r.RehearsalId, r.BackupId, r.BackupFile, r.RequestedBy,
        r.RequestedAt, r.EndedAt, r.Succeeded, r.Error, r.FailedFile, r.FailedLine, r.Outcomes, r.Warning);
}

/// <summary>A database's migrations: each with its state and SQL, the pending plan and its fingerprint, what blocks it, who holds the lock.</summary>
public sealed record MigrationsResponse(
    string Database, bool Configured, string? Folder, string? Unreachable, IReadOnlyList<MigrationResponse> Migrations, IReadOnlyList<PlannedMigration> Pending,
    string Fingerprint, IReadOnlyList<string> Blockers, bool CanApply, bool NeedsApproval, string? LockHolder, MigrationRunResponse? Rehearsal,
    MigrationRunResponse? LastRun, UndoResponse? Undo, IReadOnlyList<HistoryRow> History)
{
    public static MigrationsResponse From(MigrationsView v) => new(
        v.Database, v.Configured, v.Folder, v.Unreachable, [.. v.Migrations.Select(MigrationResponse.From)], v.Pending, v.Fingerprint, v.Blockers, v.CanApply,
        v.NeedsApproval, v.LockHolder?.Describe(), v.Rehearsal is { } r ? MigrationRunResponse.From(r) : null, v.LastRun is { } l ? MigrationRunResponse.From(l) : null,
        v.Undo is { } u ? new UndoResponse(u.Version, u.FileName, u.UndoFileName, MigrationResponse.StateName(u.State)) : null, v.History);
}

/// <summary>What POST .../migrations/undo would run: the newest applied (or failed) migration's undo script.</summary>
public sealed record UndoResponse(string Version, string File, string UndoFile, string State);

public sealed record MigrationRunListResponse(IReadOnlyList<MigrationRunResponse> Items);

/// <summary>/api/v1/databases/{name}/migrations and /api/v1/migration-runs: status, rehearse, apply, undo, runs.</summary>
public static class MigrationApiEndpoints
{
    public static RouteGroupBuilder MapMigrationApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var database = api.MapGroup("/databases/{name}/migrations");

        database.MapGet("", async Task<Results<Ok<MigrationsResponse>, ProblemHttpResult>> (string name, ClaimsPrincipal caller, MigrationService service, CancellationToken ct) =>
                await GuardAsync(async () => TypedResults.Ok(MigrationsResponse.From(await service.GetAsync(caller, name, ct)))))
            .RequireAuthorization(ConsolePolicies.BackupsRead)
            .WithName("GetMigrations")
            .WithSummary("A database's schema migrations: each with its state (pending, applied, failed, missing, changed, out-of-order), SQL and lock flags; the pending plan and its fingerprint; what blocks an apply; who holds the migration lock");

        database.MapPost("/rehearsals", async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> (string name, HttpContext http, MigrationService service, TimeProvider time, CancellationToken ct) =>
            {
                var (body, bad) = await ApiBodies.ReadAsync<RehearseMigrationsBody>(http, ct);
                return bad ?? await GuardAsync(async () => Accepted(await service.RehearseAsync(http.User, name, body?.UpTo, ct), time));
            })
            .Accepts<RehearseMigrationsBody>("application/json")
            .RequireAuthorization(ConsolePolicies.MigrationsAct)
            .WithName("RehearseMigrations")
            .WithSummary("Rehearse the pending migrations on a copy restored from the newest verified backup (then dropped): 202 with the operation; the result is at /api/v1/migration-runs/{id}");

        database.MapPost("/apply", async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> (string name, HttpContext http, MigrationService service, TimeProvider time, CancellationToken ct) =>
            {
                var (body, bad) = await ApiBodies.ReadAsync<ApplyMigrationsBody>(http, ct);
                return bad ?? await GuardAsync(async () => Accepted(await service.ApplyAsync(http.User, name, body?.Fingerprint, body?.UpTo, ct), time));
            })
            .Accepts<ApplyMigrationsBody>("application/json")
            .RequireAuthorization(ConsolePolicies.MigrationsAct)
            .WithName("ApplyMigrations")
            .WithSummary("Apply the pending migrations (a pre-migration backup first, one transaction each, under the migration lock): 202 with the operation, awaiting approval when the database is Protected or RequireApproval (approve at /api/v1/operations/{id}/approve); 422 when blocked or the fingerprint differs; 409 when busy or locked");

        database.MapPost("/undo", async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> (string name, HttpContext http, MigrationService service, TimeProvider time, CancellationToken ct) =>
            {
                var (body, bad) = await ApiBodies.ReadAsync<UndoMigrationBody>(http, ct);
                return bad ?? await GuardAsync(async () => Accepted(await service.UndoAsync(http.User, name, body?.Version, ct), time));
            })
            .Accepts<UndoMigrationBody>("application/json")
            .RequireAuthorization(ConsolePolicies.MigrationsAct)
            .WithName("UndoMigration")
            .WithSummary("Run the undo script (U<version>__….sql) of the newest applied migration, after a pre-migration backup: 202 with the operation");

        database.MapGet("/runs", async Task<Results<Ok<MigrationRunListResponse>, ProblemHttpResult>> (string name, ClaimsPrincipal caller, MigrationService service, CancellationToken ct) =>
                await GuardAsync(async () => TypedResults.Ok(new MigrationRunListResponse([.. (await service.ListRunsAsync(caller, name, 50, ct)).Select(MigrationRunResponse.From)]))))
            .RequireAuthorization(ConsolePolicies.BackupsRead)
            .WithName("ListMigrationRuns")
            .WithSummary("A database's rehearsals, applies and undos, newest first, with each file's outcome");

        api.MapGet("/migration-runs/{id:guid}", async Task<Results<Ok<MigrationRunResponse>, ProblemHttpResult>> (Guid id, ClaimsPrincipal caller, MigrationService service, CancellationToken ct) =>
                await service.GetRunAsync(caller, id, ct) is { } run ? TypedResults.Ok(MigrationRunResponse.From(run)) : NotFound($"There is no migration run {id}."))
            .RequireAuthorization(ConsolePolicies.BackupsRead)
            .WithName("GetMigrationRun")
            .WithSummary("One rehearsal, apply or undo (its id is its operation's): the planned files with checksums, each file's duration, locks and error with its line");

        return database;
    }

    private static Accepted<OperationResponse> Accepted(OperationView op, TimeProvider time) => OperationApiEndpoints.Started(op, time);

    private static Task<Results<T, ProblemHttpResult>> GuardAsync<T>(Func<Task<T>> act) where T : IResult =>
        OperationApiEndpoints.GuardAsync<T, MigrationRequestException>(act);

    private static ProblemHttpResult NotFound(string message) => TypedResults.Problem(message, title: "Not found", statusCode: StatusCodes.Status404NotFound);
}
