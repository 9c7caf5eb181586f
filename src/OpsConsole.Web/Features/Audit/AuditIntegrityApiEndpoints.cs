using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Web.Api;

namespace OpsConsole.Web.Features.Audit;

/// <summary>A verification's outcome: intact with counts, or the first broken sequence (or checkpoint) and why.</summary>
public sealed record AuditVerificationResponse(
    bool Ok, long RecordsChecked, long CheckpointsChecked, double DurationSeconds, DateTimeOffset StartedAt,
    long? FirstBrokenSequence, long? BrokenCheckpoint, string? Problem, string? Reason, string Summary)
{
    public static AuditVerificationResponse From(AuditVerificationResult r) => new(
        r.Ok, r.RecordsChecked, r.CheckpointsChecked, Math.Round(r.Duration.TotalSeconds, 3), r.StartedAt,
        r.FirstBrokenSequence, r.BrokenCheckpoint, r.Problem, r.Reason, r.Summary);
}

/// <summary>A signed checkpoint; hashes and signature in lower-case hex.</summary>
public sealed record AuditCheckpointResponse(
    long Number, DateTimeOffset CreatedAt, long LastSequence, string LastHash, string PreviousCheckpointHash, string KeyId, string Hash, string Signature)
{
    public static AuditCheckpointResponse From(AuditCheckpoint c) => new(
        c.Number, c.CreatedAt, c.LastSequence, Convert.ToHexStringLower(c.LastHash), Convert.ToHexStringLower(c.PreviousCheckpointHash),
        c.KeyId, Convert.ToHexStringLower(c.Hash), Convert.ToHexStringLower(c.Signature));
}

/// <summary>Whether a checkpoint was written now (false: nothing new since <see cref="Checkpoint"/>, the latest).</summary>
public sealed record AuditCheckpointCreatedResponse(bool Created, AuditCheckpointResponse? Checkpoint);

/// <summary>/api/v1/audit/verify and /api/v1/audit/checkpoints: the integrity page's actions (policy console.audit.verify).</summary>
public static class AuditIntegrityApiEndpoints
{
    public static RouteGroupBuilder MapAuditIntegrityApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var audit = api.MapGroup("/audit").RequireAuthorization(ConsolePolicies.AuditVerify);

        audit.MapGet("/verify", async (ClaimsPrincipal caller, IAuditIntegrity integrity, CancellationToken ct) =>
                TypedResults.Ok(AuditVerificationResponse.From(await integrity.VerifyAsync(caller, progress: null, ct))))
            .WithName("VerifyAuditLog")
            .WithSummary("Verify the whole audit log (hashes, links, signed checkpoints) now; audited as audit.verified");

        audit.MapGet("/checkpoints", async (int? limit, ClaimsPrincipal caller, IAuditIntegrity integrity, CancellationToken ct) =>
                TypedResults.Ok((await integrity.ListCheckpointsAsync(caller, limit ?? 100, ct)).Select(AuditCheckpointResponse.From).ToList()))
            .WithName("ListAuditCheckpoints")
            .WithSummary("Signed checkpoints, newest first (limit: default 100)");

        audit.MapPost("/checkpoints", async Task<Results<Created<AuditCheckpointCreatedResponse>, Ok<AuditCheckpointCreatedResponse>>> (
                ClaimsPrincipal caller, IAuditIntegrity integrity, CancellationToken ct) =>
            {
                var creation = await integrity.CreateCheckpointAsync(caller, ct);
                var response = new AuditCheckpointCreatedResponse(creation.Created, creation.Checkpoint is { } c ? AuditCheckpointResponse.From(c) : null);
                return creation.Created
                    ? TypedResults.Created($"{ApiEndpoints.Prefix}/audit/checkpoints", response)
                    : TypedResults.Ok(response);
            })
            .WithName("CreateAuditCheckpoint")
            .WithSummary("Write a signed checkpoint now: 201 when written, 200 with the latest when nothing is new since it");

        return audit;
    }
}
