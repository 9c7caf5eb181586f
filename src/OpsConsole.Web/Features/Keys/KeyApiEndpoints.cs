using System.Security.Claims;
using System.Text.Json;
using OpsConsole.Web.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Keys;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Operations;

namespace OpsConsole.Web.Features.Keys;

/// <summary>Body of POST /keys/{ring}/rotate: the ring's name typed as confirmation; immediate skips the lead time; an optional reason.</summary>
public sealed record RotateKeyRingBody(string? Confirmation, bool Immediate = false, string? Reason = null);

/// <summary>Body of POST /keys/{ring}/versions/{kid}/revoke: the kid (or its first 8 characters) typed as confirmation, and why.</summary>
public sealed record RevokeKeyBody(string? Confirmation, string? Reason);

/// <summary>
/// Body of POST /keys/{ring}/sign: the token's claims (any but iat, nbf, exp and jti, which the console sets) and its
/// lifetime as a Prometheus duration (default 1h, at most the ring's MaxTokenLifetime).
/// </summary>
public sealed record SignBody(JsonElement? Claims, string? Lifetime);

/// <summary>A signed token: the compact JWS (its header carries kid and alg), and its validity in UTC.</summary>
public sealed record SignResponse(string Token, string Kid, string Alg, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>One key version: <c>state</c> is scheduled, pending, active, retired, removed or revoked. Its public JWK only.</summary>
public sealed record KeyVersionResponse(
    string Kid, string Algorithm, string State, DateTimeOffset CreatedAt, DateTimeOffset PublishAt, DateTimeOffset ActivateAt, DateTimeOffset? RetireAt,
    DateTimeOffset? RemoveAt, DateTimeOffset? RevokedAt, string CreatedBy, PublicJwk PublicJwk)
{
    public static KeyVersionResponse From(KeyVersionView v) => new(
        v.Kid, v.Algorithm, v.State.ToString().ToLowerInvariant(), v.CreatedAt, v.PublishAt, v.ActivateAt, v.RetireAt, v.RemoveAt, v.RevokedAt, v.CreatedBy, v.PublicJwk);
}

/// <summary>A ring: its settings (durations as Prometheus durations), who signs, the next rotation and its urgency, the versions, the operation under way.</summary>
public sealed record KeyRingResponse(
    string Name, string Algorithm, int? RsaKeySize, string RotationPeriod, string LeadTime, string Grace, string MaxTokenLifetime, string WarnBefore,
    bool RequireApproval, string JwksPath, string? SigningKid, DateTimeOffset? NextRotationDue, string Urgency, IReadOnlyList<string> Problems,
    IReadOnlyList<KeyVersionResponse> Versions, OperationResponse? Operation)
{
    public static KeyRingResponse From(KeyRingView v, DateTimeOffset now)
    {
        var r = v.Ring;
        return new(
            r.Name, r.Algorithm.Name, r.Algorithm.IsRsa ? r.RsaKeySize : null, PromDuration.Format(r.RotationPeriod), PromDuration.Format(r.LeadTime),
            PromDuration.Format(r.Grace), PromDuration.Format(r.MaxTokenLifetime), PromDuration.Format(r.WarnBefore), r.RequireApproval, $"/keys/{r.Name}/jwks.json",
            v.SigningKid, v.NextRotationDue, UrgencyName(v.Urgency), v.Problems, [.. v.Versions.Select(KeyVersionResponse.From)],
            v.Active is { } op ? OperationResponse.From(op, now) : null);
    }

    public static string UrgencyName(RotationUrgency urgency) => urgency switch
    {
        RotationUrgency.DueSoon => "due_soon",
        RotationUrgency.Overdue => "overdue",
        _ => "not_due",
    };
}

public sealed record KeyRingListResponse(IReadOnlyList<KeyRingResponse> Items);

/// <summary>The console's own keys: the audit checkpoint signing keys (newest first: the first signs) and Data Protection's key ring (read-only).</summary>
public sealed record ConsoleKeysResponse(IReadOnlyList<AuditSigningKeyInfo> AuditCheckpointKeys, DataProtectionKeysView DataProtection, OperationResponse? Operation);

/// <summary>/api/v1/keys: the rings with their versions (metadata only), rotate, revoke. Approval goes through /api/v1/operations/{id}/approve.</summary>
public static class KeyApiEndpoints
{
    public static RouteGroupBuilder MapKeyApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var keys = api.MapGroup("/keys");

        keys.MapGet("", async (ClaimsPrincipal caller, KeysService service, TimeProvider time, CancellationToken ct) =>
            {
                var now = time.GetUtcNow();
                return TypedResults.Ok(new KeyRingListResponse([.. (await service.ListAsync(caller, ct)).Select(r => KeyRingResponse.From(r, now))]));
            })
            .RequireAuthorization(ConsolePolicies.KeysRead)
            .WithName("ListKeyRings")
            .WithSummary("The signing key rings: settings, the signing kid, the next rotation (and whether it is due soon or overdue), every version's windows and state; never a private key");

        keys.MapGet("/{ring}", async Task<Results<Ok<KeyRingResponse>, ProblemHttpResult>> (string ring, ClaimsPrincipal caller, KeysService service, TimeProvider time, CancellationToken ct) =>
                await GuardAsync(async () => TypedResults.Ok(KeyRingResponse.From(await service.GetAsync(caller, ring, ct), time.GetUtcNow()))))
            .RequireAuthorization(ConsolePolicies.KeysRead)
            .WithName("GetKeyRing")
            .WithSummary("One signing key ring with its versions");

        keys.MapPost("/{ring}/rotate", async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> (string ring, HttpContext http, KeysService service, TimeProvider time, CancellationToken ct) =>
            {
                var (body, bad) = await ApiBodies.ReadAsync<RotateKeyRingBody>(http, ct);
                return bad ?? await GuardAsync(async () => OperationApiEndpoints.Started(
                    await service.RotateAsync(http.User, ring, body?.Confirmation, body?.Immediate ?? false, body?.Reason, ct), time));
            })
            .Accepts<RotateKeyRingBody>("application/json")
            .RequireAuthorization(ConsolePolicies.KeysRotate)
            .WithName("RotateKeyRing")
            .WithSummary("Rotate a ring now: a new key is published at once and signs after the lead time (immediate: at once). 202 with the operation, which ends when the console's own JWKS lists the new key; 422 for a wrong confirmation or a rotation already under way; 409 while another key operation of the ring runs");

        keys.MapPost("/{ring}/versions/{kid}/revoke", async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> (string ring, string kid, HttpContext http, KeysService service, TimeProvider time, CancellationToken ct) =>
            {
                var (body, bad) = await ApiBodies.ReadAsync<RevokeKeyBody>(http, ct);
                return bad ?? await GuardAsync(async () => OperationApiEndpoints.Started(
                    await service.RevokeAsync(http.User, ring, kid, body?.Confirmation, body?.Reason, ct), time));
            })
            .Accepts<RevokeKeyBody>("application/json")
            .RequireAuthorization(ConsolePolicies.KeysRevoke)
            .WithName("RevokeKey")
            .WithSummary("Emergency revocation: the key leaves the JWKS at once and every token it signed fails. 202 with the operation (awaiting a second Admin's approval on rings with RequireApproval); 422 for a wrong confirmation, no reason, or the only signing key with no successor");

        keys.MapPost("/{ring}/sign", async Task<Results<Ok<SignResponse>, ProblemHttpResult>> (string ring, HttpContext http, KeySigner signer, CancellationToken ct) =>
            {
                var (body, bad) = await ApiBodies.ReadAsync<SignBody>(http, ct);
                if (bad is not null)
                {
                    return bad;
                }

                if (body?.Claims is not { } claims)
                {
                    return ApiProblem.Invalid("claims", "Send {\"claims\": {…}} with the token's claims (a JSON object).");
                }

                TimeSpan? lifetime = null;
                if (!string.IsNullOrWhiteSpace(body.Lifetime))
                {
                    if (!PromDuration.TryParse(body.Lifetime, out var parsed, out var error))
                    {
                        return ApiProblem.Invalid("lifetime", $"\"{body.Lifetime}\" is not a duration such as 15m or 1h ({error}).");
                    }

                    lifetime = parsed;
                }

                return await GuardSignAsync(async () =>
                {
                    var signed = await signer.SignAsync(ring, claims, lifetime, http.User.Identity?.Name ?? "unknown", ct);
                    return TypedResults.Ok(new SignResponse(signed.Token, signed.Kid, signed.Algorithm, signed.IssuedAt, signed.ExpiresAt));
                });
            })
            .Accepts<SignBody>("application/json")
            .WithMetadata(new BodySizeLimit(MaxSignBody))
            .RequireAuthorization(ConsolePolicies.KeysSign)
            .WithName("SignWithKeyRing")
            .WithSummary("Sign a set of claims with the ring's signing key (the private key never leaves the console): 200 with the compact JWS, its kid and validity. Signer role only; counted per caller in /metrics, not audited one by one. 422 for a reserved claim (iat, nbf, exp, jti) or a lifetime past MaxTokenLifetime; 413 above 16 KiB");

        var console = api.MapGroup("/console-keys");
        console.MapGet("", async (ClaimsPrincipal caller, ConsoleKeysService service, TimeProvider time, CancellationToken ct) =>
            {
                var view = await service.GetAsync(caller, ct);
                return TypedResults.Ok(new ConsoleKeysResponse(view.AuditKeys, view.DataProtection, view.Active is { } op ? OperationResponse.From(op, time.GetUtcNow()) : null));
            })
            .RequireAuthorization(ConsolePolicies.KeysRead)
            .WithName("GetConsoleKeys")
            .WithSummary("The console's own keys: the audit checkpoint signing keys with how many checkpoints each signed, and ASP.NET Core Data Protection's key ring (current key, expiry, read-only)");

        console.MapPost("/audit-checkpoint/rotate", async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> (HttpContext http, ConsoleKeysService service, TimeProvider time, CancellationToken ct) =>
                await GuardAsync(async () => OperationApiEndpoints.Started(await service.RotateAuditKeyAsync(http.User, ct), time)))
            .RequireAuthorization(ConsolePolicies.KeysRotate)
            .WithName("RotateAuditCheckpointKey")
            .WithSummary("Rotate the audit checkpoint signing key: 202 with the operation, which signs a checkpoint with the new key and checks every checkpoint still verifies with the key it names; 409 while one runs");

        return keys;
    }

    /// <summary>Claims of a session or service token fit in a few hundred bytes; 16 KiB leaves room and bounds the work per call.</summary>
    public const int MaxSignBody = 16 * 1024;

    private static async Task<Results<Ok<SignResponse>, ProblemHttpResult>> GuardSignAsync(Func<Task<Ok<SignResponse>>> act)
    {
        try
        {
            return await act();
        }
        catch (KeyNotFoundException ex)
        {
            return TypedResults.Problem(ex.Message, title: "Not found", statusCode: StatusCodes.Status404NotFound);
        }
        catch (SignRequestException ex)
        {
            return ApiProblem.Invalid(ex.ParamName ?? "body", ex.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static Task<Results<T, ProblemHttpResult>> GuardAsync<T>(Func<Task<T>> act) where T : IResult =>
        OperationApiEndpoints.GuardAsync<T, KeyRequestException>(act);
}
