using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Api;

namespace OpsConsole.Web.Features.Operations;

/// <summary>An operation as the API shows it; state in lower case words (queued, awaiting_approval, running, succeeded, failed, cancelled).</summary>
public sealed record OperationResponse(
    Guid Id, string Kind, string Target, string Title, string State, IReadOnlyDictionary<string, string> Parameters,
    string RequestedBy, DateTimeOffset RequestedAt, bool NeedsApproval, DateTimeOffset? ApprovalExpiresAt, string? ApprovedBy,
    DateTimeOffset? ApprovedAt, bool CancelRequested, string? CancelledBy, double? Progress, string? Step, DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt, double? DurationSeconds, string? Error, string? Result, int LogLines)
{
    public static OperationResponse From(OperationView v, DateTimeOffset now) => new(
        v.Id, v.Kind, v.Target, v.Title, StateName(v.State), v.Parameters, v.RequestedBy, v.RequestedAt, v.NeedsApproval, v.ApprovalExpiresAt,
        v.ApprovedBy, v.ApprovedAt, v.CancelRequested, v.CancelledBy, v.Progress, v.Step, v.StartedAt, v.EndedAt,
        v.DurationAt(now) is { } d ? Math.Round(d.TotalSeconds, 3) : null, v.Error, v.Result, v.LogLines);

    public static string StateName(OperationState state) => state == OperationState.AwaitingApproval ? "awaiting_approval" : state.ToString().ToLowerInvariant();
}

/// <summary>One operation with its log lines after <c>after</c> (all of them by default).</summary>
public sealed record OperationDetailResponse(OperationResponse Operation, IReadOnlyList<OperationLogLineResponse> Log);

public sealed record OperationLogLineResponse(int Seq, DateTimeOffset At, string Level, string Text);

public sealed record OperationListResponse(IReadOnlyList<OperationResponse> Items);

/// <summary>/api/v1/operations: list, one with its log, approve, cancel.</summary>
public static class OperationApiEndpoints
{
    public static RouteGroupBuilder MapOperationApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var operations = api.MapGroup("/operations");

        operations.MapGet("", async (bool? active, string? target, string? kind, int? limit, ClaimsPrincipal caller, OperationService service, TimeProvider time, CancellationToken ct) =>
            {
                var list = await service.ListAsync(caller, new OperationQuery(active ?? false, target, kind, limit ?? 100), ct);
                var now = time.GetUtcNow();
                return TypedResults.Ok(new OperationListResponse([.. list.Select(o => OperationResponse.From(o, now))]));
            })
            .RequireAuthorization(ConsolePolicies.OperationsRead)
            .WithName("ListOperations")
            .WithSummary("Operations newest first (active=true: queued, awaiting approval and running only; filter by target or kind; limit 1..1000, default 100)");

        operations.MapGet("/{id:guid}", async Task<Results<Ok<OperationDetailResponse>, ProblemHttpResult>> (
                Guid id, int? after, ClaimsPrincipal caller, OperationService service, TimeProvider time, CancellationToken ct) =>
            {
                if (await service.GetAsync(caller, id, ct) is not { } op)
                {
                    return NotFound(id);
                }

                var log = await service.ReadLogAsync(caller, id, after ?? 0, cancellationToken: ct);
                return TypedResults.Ok(new OperationDetailResponse(
                    OperationResponse.From(op, time.GetUtcNow()),
                    [.. log.Select(l => new OperationLogLineResponse(l.Seq, l.At, l.Level.ToString().ToLowerInvariant(), l.Text))]));
            })
            .RequireAuthorization(ConsolePolicies.OperationsRead)
            .WithName("GetOperation")
            .WithSummary("One operation with its log lines after sequence number 'after' (default: all)");

        operations.MapPost("/{id:guid}/approve", (Guid id, ClaimsPrincipal caller, OperationService service, TimeProvider time, CancellationToken ct) =>
                ActAsync(id, () => service.ApproveAsync(caller, id, ct), time))
            .RequireAuthorization(ConsolePolicies.OperationsAct)
            .WithName("ApproveOperation")
            .WithSummary("Approve an operation awaiting approval: a different person holding the kind's policy, before it expires (403 self-approval, 409 not awaiting or expired)");

        operations.MapPost("/{id:guid}/cancel", (Guid id, ClaimsPrincipal caller, OperationService service, TimeProvider time, CancellationToken ct) =>
                ActAsync(id, () => service.CancelAsync(caller, id, ct), time))
            .RequireAuthorization(ConsolePolicies.OperationsAct)
            .WithName("CancelOperation")
            .WithSummary("Cancel a queued or waiting operation, or ask a running one that can stop safely to stop (409 otherwise)");

        return operations;
    }

    private static async Task<Results<Ok<OperationResponse>, ProblemHttpResult>> ActAsync(Guid id, Func<Task<OperationView>> act, TimeProvider time)
    {
        try
        {
            return TypedResults.Ok(OperationResponse.From(await act(), time.GetUtcNow()));
        }
        catch (KeyNotFoundException)
        {
            return NotFound(id);
        }
        catch (OperationRefusedException ex)
        {
            return Refused(ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            return TypedResults.Problem(ex.Message, title: "Forbidden", statusCode: StatusCodes.Status403Forbidden);
        }
    }

    /// <summary>202 with the operation a capability's action started, and where to follow it.</summary>
    public static Accepted<OperationResponse> Started(OperationView op, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(time);
        return TypedResults.Accepted($"{ApiEndpoints.Prefix}/operations/{op.Id}", OperationResponse.From(op, time.GetUtcNow()));
    }

    /// <summary>
    /// Runs a capability's action: an unknown target is a 404, its own refusal <typeparamref name="TInvalid"/> a 422 naming
    /// the field, a busy target a 409 (<see cref="Refused"/>).
    /// </summary>
    public static async Task<Results<T, ProblemHttpResult>> GuardAsync<T, TInvalid>(Func<Task<T>> act)
        where T : IResult
        where TInvalid : ArgumentException
    {
        ArgumentNullException.ThrowIfNull(act);
        try
        {
            return await act();
        }
        catch (KeyNotFoundException ex)
        {
            return TypedResults.Problem(ex.Message, title: "Not found", statusCode: StatusCodes.Status404NotFound);
        }
        catch (TInvalid ex)
        {
            return ApiProblem.Invalid(ex.ParamName ?? "body", ex.Message.Split(" (Parameter", 2)[0]);
        }
        catch (OperationRefusedException ex)
        {
            return Refused(ex);
        }
    }

    /// <summary>The problem for a refused request or action: 403 for self-approval, 409 (with the blocking operation) otherwise.</summary>
    public static ProblemHttpResult Refused(OperationRefusedException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var extensions = new Dictionary<string, object?> { ["reason"] = ex.Reason.ToString() };
        if (ex.BlockingOperation is { } blocking)
        {
            extensions["blockingOperation"] = blocking;
        }

        return ex.Reason == OperationRefusal.SelfApproval
            ? TypedResults.Problem(ex.Message, title: "Forbidden", statusCode: StatusCodes.Status403Forbidden, extensions: extensions)
            : TypedResults.Problem(ex.Message, title: "Conflict", statusCode: StatusCodes.Status409Conflict, extensions: extensions);
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem($"There is no operation {id}.", title: "Not found", statusCode: StatusCodes.Status404NotFound);
}
