using System.Security.Claims;
using System.Xml;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Backups;
using OpsConsole.Web.Features.Operations;

namespace OpsConsole.Web.Features.Restores;

/// <summary>Body of POST /databases/{name}/restores/plan: all optional; empty plans the latest verified backup into the database itself.</summary>
public sealed record RestorePlanBody(Guid? BackupId, string? Mode, string? NewDatabase);

/// <summary>Body of POST /databases/{name}/restores: the plan and the database name typed to confirm.</summary>
public sealed record RestoreRequestBody(Guid? PlanId, string? Confirmation);

/// <summary>Body of POST /restores/{id}/swap-back: the database name typed to confirm.</summary>
public sealed record SwapBackBody(string? Confirmation);

public sealed record DiskCheckResponse(string Where, string? Path, long? FreeBytes, long NeededBytes, bool Enough, string? Unknown);

/// <summary>A plan; <c>estimatedDuration</c> is an ISO 8601 duration (null without a drill to base it on).</summary>
public sealed record RestorePlanResponse(
    Guid Id, string Database, string Mode, string? NewDatabase, BackupResponse Backup, bool FromLatest, DrillResponse? LastDrill,
    string? ServerVersion, long? TargetSizeBytes, string? TargetOwner, IReadOnlyList<DiskCheckResponse> Disk, IReadOnlyList<RestoreConnection> Connections,
    string? EstimatedDuration, double? EstimatedDurationSeconds, string EstimateBasis, double? EstimatedSafetyBackupSeconds, IReadOnlyList<string> Steps,
    IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings, bool CanRun, bool NeedsApproval, bool Protected, string Confirmation,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt)
{
    public static RestorePlanResponse From(RestorePlanView p) => new(
        p.Id, p.Database, p.Mode, p.NewDatabase, BackupResponse.From(p.Backup), p.FromLatest, p.LastDrill is { } d ? DrillResponse.From(d) : null,
        p.ServerVersion, p.TargetSizeBytes, p.TargetOwner, [.. p.Disk.Select(x => new DiskCheckResponse(x.Where, x.Path, x.FreeBytes, x.NeededBytes, x.Enough, x.Unknown))],
        p.Connections, p.EstimatedDuration is { } e ? XmlConvert.ToString(e) : null, p.EstimatedDuration?.TotalSeconds, p.EstimateBasis,
        p.EstimatedSafetyBackup?.TotalSeconds, p.Steps, p.Problems, p.Warnings, p.CanRun, p.NeedsApproval, p.Protected, p.Confirmation,
        p.CreatedBy, p.CreatedAt, p.ExpiresAt);
}

/// <summary>One restore or swap back in a database's history; <c>state</c> is its operation's.</summary>
public sealed record RestoreResponse(
    Guid Id, string Database, string Mode, Guid BackupId, string? BackupFile, string Phase, string State, string RequestedBy, string? ApprovedBy,
    DateTimeOffset RequestedAt, DateTimeOffset? StartedAt, DateTimeOffset? SwappedAt, DateTimeOffset? EndedAt, double? RestoreSeconds,
    double? SwapMilliseconds, string? RestoredInto, string? SetAside, DateTimeOffset? KeepUntil, bool CanSwapBack, DateTimeOffset? SwappedBackAt,
    string? SwappedBackBy, DateTimeOffset? SetAsideDroppedAt, Guid? PreRestoreBackupId, string? Error)
{
    public static RestoreResponse From(RestoreView r, DateTimeOffset now) => new(
        r.Id, r.Database, r.Mode, r.BackupId, r.BackupFile, r.Phase, OperationResponse.StateName(r.State), r.RequestedBy, r.ApprovedBy, r.RequestedAt,
        r.StartedAt, r.SwappedAt, r.EndedAt, r.RestoreSeconds, r.SwapMilliseconds, r.RestoredInto, r.SetAside, r.KeepUntil, r.CanSwapBackAt(now),
        r.SwappedBackAt, r.SwappedBackBy, r.SetAsideDroppedAt, r.PreRestoreBackupId, r.Error);
}

public sealed record RestoreListResponse(IReadOnlyList<RestoreResponse> Items);

/// <summary>/api/v1/databases/{name}/restores and /api/v1/restores: plan, request (typed confirmation), approve, cancel, swap back, history.</summary>
public static class RestoreApiEndpoints
{
    public static RouteGroupBuilder MapRestoreApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var database = api.MapGroup("/databases/{name}/restores");

        database.MapPost("/plan", async Task<Results<Created<RestorePlanResponse>, ProblemHttpResult>> (string name, HttpContext http, RestoreService service, CancellationToken ct) =>
            {
                var (body, bad) = await ApiBodies.ReadAsync<RestorePlanBody>(http, ct);
                if (bad is not null)
                {
                    return bad;
                }

                return await GuardAsync(async () =>
                {
                    var plan = await service.PlanAsync(http.User, name, new RestorePlanRequest(body?.BackupId, body?.Mode ?? RestoreModes.Replace, body?.NewDatabase), ct);
                    return TypedResults.Created($"{ApiEndpoints.Prefix}/databases/{name}/restores/plans/{plan.Id}", RestorePlanResponse.From(plan));
                });
            })
            .Accepts<RestorePlanBody>("application/json")
            .RequireAuthorization(ConsolePolicies.RestoresAct)
            .WithName("PlanRestore")
            .WithSummary("Plan a restore (empty body: the latest verified backup into the database itself): the backup, disk, the connections the swap cuts, the estimated duration, the steps, problems and warnings; 201");

        database.MapGet("/plans/{planId:guid}", async Task<Results<Ok<RestorePlanResponse>, ProblemHttpResult>> (string name, Guid planId, ClaimsPrincipal caller, RestoreService service, CancellationToken ct) =>
                await service.GetPlanAsync(caller, planId, ct) is { } plan && plan.Database == name
                    ? TypedResults.Ok(RestorePlanResponse.From(plan))
                    : NotFound($"There is no restore plan {planId} for {name}."))
            .RequireAuthorization(ConsolePolicies.BackupsRead)
            .WithName("GetRestorePlan")
            .WithSummary("A stored restore plan, as it was made");

        database.MapPost("", async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> (string name, HttpContext http, RestoreService service, TimeProvider time, CancellationToken ct) =>
            {
                var (body, bad) = await ApiBodies.ReadAsync<RestoreRequestBody>(http, ct);
                if (bad is not null)
                {
                    return bad;
                }

                if (body?.PlanId is not { } planId)
                {
                    return ApiProblem.Invalid("planId", "Name the plan to run (planId from POST .../restores/plan).");
                }

                return await GuardAsync(async () => Accepted(await service.RequestAsync(http.User, name, planId, body.Confirmation, ct), time));
            })
            .Accepts<RestoreRequestBody>("application/json")
            .RequireAuthorization(ConsolePolicies.RestoresAct)
            .WithName("RequestRestore")
            .WithSummary("Run a plan: 202 with the operation (awaiting approval when the database is Protected or RequireApproval); 422 for a wrong confirmation or a stale, expired or blocked plan; 409 when the database is busy");

        database.MapGet("", async Task<Results<Ok<RestoreListResponse>, ProblemHttpResult>> (string name, ClaimsPrincipal caller, RestoreService service, TimeProvider time, CancellationToken ct) =>
            {
                var now = time.GetUtcNow();
                return TypedResults.Ok(new RestoreListResponse([.. (await service.ListAsync(caller, name, 50, ct)).Select(r => RestoreResponse.From(r, now))]));
            })
            .RequireAuthorization(ConsolePolicies.BackupsRead)
            .WithName("ListRestores")
            .WithSummary("A database's restores and swap backs, newest first: who requested and approved, durations, outcome, the kept database");

        var restores = api.MapGroup("/restores");

        restores.MapGet("/{id:guid}", async Task<Results<Ok<RestoreResponse>, ProblemHttpResult>> (Guid id, ClaimsPrincipal caller, RestoreService service, TimeProvider time, CancellationToken ct) =>
                await service.GetAsync(caller, id, ct) is { } r ? TypedResults.Ok(RestoreResponse.From(r, time.GetUtcNow())) : NotFound($"There is no restore {id}."))
            .RequireAuthorization(ConsolePolicies.BackupsRead)
            .WithName("GetRestore")
            .WithSummary("One restore (its id is its operation's; follow the log at /api/v1/operations/{id})");

        restores.MapPost("/{id:guid}/approve", (Guid id, ClaimsPrincipal caller, OperationService operations, TimeProvider time, CancellationToken ct) =>
                ActAsync(() => operations.ApproveAsync(caller, id, ct), time))
            .RequireAuthorization(ConsolePolicies.RestoresAct)
            .WithName("ApproveRestore")
            .WithSummary("Approve a restore awaiting approval (a different Admin or Sre than the requester, before it expires); the same as POST /operations/{id}/approve");

        restores.MapPost("/{id:guid}/cancel", (Guid id, ClaimsPrincipal caller, OperationService operations, TimeProvider time, CancellationToken ct) =>
                ActAsync(() => operations.CancelAsync(caller, id, ct), time))
            .RequireAuthorization(ConsolePolicies.RestoresAct)
            .WithName("CancelRestore")
            .WithSummary("Cancel a restore before its swap (the original is untouched, the copy dropped); the same as POST /operations/{id}/cancel");

        restores.MapPost("/{id:guid}/swap-back", async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> (Guid id, HttpContext http, RestoreService service, TimeProvider time, CancellationToken ct) =>
            {
                var (body, bad) = await ApiBodies.ReadAsync<SwapBackBody>(http, ct);
                return bad ?? await GuardAsync(async () => Accepted(await service.SwapBackAsync(http.User, id, body?.Confirmation, ct), time));
            })
            .Accepts<SwapBackBody>("application/json")
            .RequireAuthorization(ConsolePolicies.RestoresAct)
            .WithName("SwapBackRestore")
            .WithSummary("Swap the database a restore set aside back in (typed confirmation); the restored one is kept as long in its turn: 202");

        return database;
    }

    private static Accepted<OperationResponse> Accepted(OperationView op, TimeProvider time) => OperationApiEndpoints.Started(op, time);

    private static Task<Results<T, ProblemHttpResult>> GuardAsync<T>(Func<Task<T>> act) where T : IResult =>
        OperationApiEndpoints.GuardAsync<T, RestorePlanException>(act);

    private static async Task<Results<Ok<OperationResponse>, ProblemHttpResult>> ActAsync(Func<Task<OperationView>> act, TimeProvider time)
    {
        try
        {
            return TypedResults.Ok(OperationResponse.From(await act(), time.GetUtcNow()));
        }
        catch (KeyNotFoundException ex)
        {
            return NotFound(ex.Message);
        }
        catch (OperationRefusedException ex)
        {
            return OperationApiEndpoints.Refused(ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            return TypedResults.Problem(ex.Message, title: "Forbidden", statusCode: StatusCodes.Status403Forbidden);
        }
    }

    private static ProblemHttpResult NotFound(string message) => TypedResults.Problem(message, title: "Not found", statusCode: StatusCodes.Status404NotFound);
}
