using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Keys.Secrets;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Operations;

namespace OpsConsole.Web.Features.Keys.Secrets;

/// <summary>Body of POST /keys/secrets/{name}/rotations: when it was rotated (ISO 8601 with offset; default now) and an optional note. Never the value.</summary>
public sealed record RecordSecretRotationBody(DateTimeOffset? RotatedAt, string? Note);

/// <summary>One recorded rotation.</summary>
public sealed record SecretRotationResponse(long Id, DateTimeOffset RotatedAt, DateTimeOffset RecordedAt, string RecordedBy, string? Note);

/// <summary>
/// A declared secret: owner, where it lives, period and warning (Prometheus durations), <c>state</c> (ok, due_soon, overdue,
/// unknown: never recorded and not yet one period past its first declaration), when it is due, and its recorded rotations (newest first).
/// </summary>
public sealed record SecretResponse(
    string Name, string Owner, string Location, string? Description, string? Url, string RotationPeriod, string WarnBefore, string State,
    DateTimeOffset DueAt, DateTimeOffset? LastRotatedAt, string? LastRotatedBy, DateTimeOffset FirstDeclaredAt, IReadOnlyList<SecretRotationResponse> History)
{
    public static SecretResponse From(SecretView v)
    {
        var s = v.Secret;
        return new(
            s.Name, s.Owner, s.Location, s.Description, s.Url?.ToString(), PromDuration.Format(s.RotationPeriod), PromDuration.Format(s.WarnBefore),
            SecretStatus.Name(v.Status.State), v.Status.DueAt, v.Status.LastRotatedAt, v.LastRotation?.RecordedBy, v.FirstDeclaredAt,
            [.. v.History.Select(h => new SecretRotationResponse(h.Id, h.RotatedAt, h.RecordedAt, h.RecordedBy, h.Note))]);
    }
}

public sealed record SecretListResponse(IReadOnlyList<SecretResponse> Items);

/// <summary>/api/v1/keys/secrets: the secrets inventory (declared in Keys:Secrets) and recording a rotation.</summary>
public static class SecretApiEndpoints
{
    private static readonly string[] Fields = ["rotatedAt", "note"];

    /// <summary>Maps under <paramref name="keys"/> (the /api/v1/keys group).</summary>
    public static RouteGroupBuilder MapSecretApi(this RouteGroupBuilder keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var secrets = keys.MapGroup("/secrets");

        secrets.MapGet("", async (ClaimsPrincipal caller, SecretsService service, CancellationToken ct) =>
                TypedResults.Ok(new SecretListResponse([.. (await service.ListAsync(caller, ct)).Select(SecretResponse.From)])))
            .RequireAuthorization(ConsolePolicies.KeysRead)
            .WithName("ListSecrets")
            .WithSummary("The declared external secrets: owner, where each lives, rotation period, last recorded rotation, due date and state (ok, due_soon, overdue, unknown), and their history; never a value");

        secrets.MapGet("/{name}", async Task<Results<Ok<SecretResponse>, ProblemHttpResult>> (string name, ClaimsPrincipal caller, SecretsService service, CancellationToken ct) =>
                await GuardAsync(async () => TypedResults.Ok(SecretResponse.From(await service.GetAsync(caller, name, ct)))))
            .RequireAuthorization(ConsolePolicies.KeysRead)
            .WithName("GetSecret")
            .WithSummary("One declared secret with its recorded rotations; 404 when it is not declared");

        secrets.MapPost("/{name}/rotations", async Task<Results<Created<SecretResponse>, ProblemHttpResult>> (string name, HttpContext http, SecretsService service, CancellationToken ct) =>
            {
                var (body, bad) = await ApiBodies.ReadAsync<JsonObject>(http, ct);
                if (bad is not null)
                {
                    return bad;
                }

                if (Check(body, out var rotatedAt, out var note) is { } problem)
                {
                    return problem;
                }

                return await GuardAsync(async () =>
                {
                    var view = await service.RecordAsync(http.User, name, rotatedAt, note, ct);
                    return TypedResults.Created($"/api/v1/keys/secrets/{Uri.EscapeDataString(view.Name)}", SecretResponse.From(view));
                });
            })
            .Accepts<RecordSecretRotationBody>("application/json")
            .RequireAuthorization(ConsolePolicies.KeysRotate)
            .WithName("RecordSecretRotation")
            .WithSummary("Record that a secret was rotated (rotatedAt: default now, not in the future, not before the last record; note: optional, at most 500 characters). 201 with the secret; audited as keys.secret_rotated. 422 naming the field for a bad value, and for any field that could carry the secret's value (value, key, secret, password, token…): the console never takes it");

        return secrets;
    }

    /// <summary>Reads the body field by field, so a value-like or unknown field is refused by name instead of being dropped silently.</summary>
    private static ProblemHttpResult? Check(JsonObject? body, out DateTimeOffset? rotatedAt, out string? note)
    {
        (rotatedAt, note) = (null, null);
        foreach (var (field, value) in body ?? [])
        {
            if (SecretValueGuard.IsValueField(field))
            {
                return ApiProblem.Invalid(field, $"'{field}': the console never takes a secret's value. Rotate it where it lives, then record only when (rotatedAt) and why (note).");
            }

            if (!Fields.Contains(field, StringComparer.OrdinalIgnoreCase))
            {
                return ApiProblem.Invalid(field, $"'{field}' is not a field of a rotation record; send rotatedAt and note only.");
            }

            if (value is null)
            {
                continue;
            }

            if (value.GetValueKind() != JsonValueKind.String)
            {
                return ApiProblem.Invalid(field, $"'{field}' must be a string.");
            }

            var text = value.GetValue<string>();
            if (string.Equals(field, "note", StringComparison.OrdinalIgnoreCase))
            {
                note = text;
            }
            else if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) && HasOffset(text))
            {
                rotatedAt = at;
            }
            else
            {
                return ApiProblem.Invalid(field, $"'{field}': \"{text}\" is not an ISO 8601 time with an offset, such as 2026-12-07T09:30:00Z.");
            }
        }

        return null;
    }

    // Without an offset the instant would depend on the server's zone.
    private static bool HasOffset(string text) => text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    private static Task<Results<T, ProblemHttpResult>> GuardAsync<T>(Func<Task<T>> act) where T : IResult =>
        OperationApiEndpoints.GuardAsync<T, SecretRequestException>(act);
}
