using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Web.Api;

namespace OpsConsole.Web.Features.Alerts;

/// <summary>A silence as the API shows it: its state now, matched current alerts and seconds left.</summary>
public sealed record SilenceResponse(
    Guid Id, IReadOnlyList<SilenceMatcher> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Comment, string CreatedBy,
    DateTimeOffset CreatedAt, bool Maintenance, string State, int MatchedAlerts, double SecondsLeft, string? ExpiredBy, DateTimeOffset UpdatedAt)
{
    public static SilenceResponse From(SilenceView v, DateTimeOffset now) => new(
        v.Silence.Id, v.Silence.Matchers, v.Silence.StartsAt, v.Silence.EndsAt, v.Silence.Comment, v.Silence.CreatedBy,
        v.Silence.CreatedAt, v.Silence.Maintenance, v.State.ToString().ToLowerInvariant(), v.MatchedAlerts,
        Math.Max(0, Math.Round(v.TimeLeftAt(now).TotalSeconds, 3)), v.Silence.ExpiredBy, v.Silence.UpdatedAt);
}

/// <summary>Active, pending and recently expired silences, and the maintenance windows active now (the UI's banner).</summary>
public sealed record SilenceListResponse(IReadOnlyList<SilenceResponse> Items, IReadOnlyList<Guid> ActiveMaintenanceWindows);

/// <summary>A new silence: matchers ({name, op, value}; op one of =, !=, =~, !~), startsAt (default now), endsAt or duration ("2h", "90m", "1d", "02:00:00"), comment, maintenance.</summary>
public sealed record CreateSilenceRequest(
    IReadOnlyList<SilenceMatcher>? Matchers, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? Duration, string? Comment, bool? Maintenance);

/// <summary>The new end, or a duration to add to the current end.</summary>
public sealed record ExtendSilenceRequest(DateTimeOffset? EndsAt, string? Duration);

/// <summary>/api/v1/silences: list, one, create, expire early (DELETE), extend.</summary>
public static class SilenceApiEndpoints
{
    public static RouteGroupBuilder MapSilenceApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var silences = api.MapGroup("/silences");

        silences.MapGet("", async (ClaimsPrincipal caller, SilenceService service, TimeProvider time, CancellationToken ct) =>
            {
                var listing = await service.ListAsync(caller, ct);
                var now = time.GetUtcNow();
                return TypedResults.Ok(new SilenceListResponse(
                    [.. listing.Silences.Select(s => SilenceResponse.From(s, now))], [.. listing.ActiveMaintenanceWindows.Select(s => s.Id)]));
            })
            .RequireAuthorization(ConsolePolicies.AlertsRead)
            .WithName("ListSilences")
            .WithSummary("Active and pending silences with matched alerts and time left, then those expired within Alerts:RecentlyExpiredSilences");

        silences.MapGet("/{id:guid}", async Task<Results<Ok<SilenceResponse>, ProblemHttpResult>> (
                Guid id, ClaimsPrincipal caller, SilenceService service, TimeProvider time, CancellationToken ct) =>
                await service.GetAsync(caller, id, ct) is { } silence
                    ? TypedResults.Ok(SilenceResponse.From(silence, time.GetUtcNow()))
                    : AlertApiEndpoints.Problem(AlertRequestException.NotFound("silence")))
            .RequireAuthorization(ConsolePolicies.AlertsRead)
            .WithName("GetSilence")
            .WithSummary("One silence");

        silences.MapPost("", async Task<Results<Created<SilenceResponse>, ProblemHttpResult>> (
                HttpContext http, SilenceService service, TimeProvider time, CancellationToken ct) =>
            {
                try
                {
                    var (body, problem) = await ApiJson.ReadOptionalAsync<CreateSilenceRequest>(http);
                    if (problem is not null)
                    {
                        return problem;
                    }

                    var request = body ?? new CreateSilenceRequest(null, null, null, null, null, null);
                    var duration = string.IsNullOrWhiteSpace(request.Duration) ? (TimeSpan?)null : SilenceValidation.ParseDuration(request.Duration, "duration");
                    var created = await service.CreateAsync(http.User,
                        new SilenceRequest(request.Matchers, request.StartsAt, request.EndsAt, duration, request.Comment, request.Maintenance ?? false), ct);
                    return TypedResults.Created($"{ApiEndpoints.Prefix}/silences/{created.Silence.Id}", SilenceResponse.From(created, time.GetUtcNow()));
                }
                catch (AlertRequestException ex)
                {
                    return AlertApiEndpoints.Problem(ex);
                }
            })
            .Accepts<CreateSilenceRequest>("application/json")
            .RequireAuthorization(ConsolePolicies.AlertsAct)
            .WithName("CreateSilence")
            .WithSummary("Create a silence (422 naming the field: no matcher, only empty-matching matchers, bad regex, end before start, empty comment)");

        silences.MapDelete("/{id:guid}", async Task<Results<Ok<SilenceResponse>, ProblemHttpResult>> (
                Guid id, ClaimsPrincipal caller, SilenceService service, TimeProvider time, CancellationToken ct) =>
            {
                try
                {
                    return TypedResults.Ok(SilenceResponse.From(await service.ExpireAsync(caller, id, ct), time.GetUtcNow()));
                }
                catch (AlertRequestException ex)
                {
                    return AlertApiEndpoints.Problem(ex);
                }
            })
            .RequireAuthorization(ConsolePolicies.AlertsAct)
            .WithName("ExpireSilence")
            .WithSummary("Expire a silence now (it stays listed as recently expired)");

        silences.MapPost("/{id:guid}/extend", async Task<Results<Ok<SilenceResponse>, ProblemHttpResult>> (
                Guid id, HttpContext http, SilenceService service, TimeProvider time, CancellationToken ct) =>
            {
                try
                {
                    var (body, problem) = await ApiJson.ReadOptionalAsync<ExtendSilenceRequest>(http);
                    if (problem is not null)
                    {
                        return problem;
                    }

                    var duration = string.IsNullOrWhiteSpace(body?.Duration) ? (TimeSpan?)null : SilenceValidation.ParseDuration(body.Duration, "duration");
                    var extended = await service.ExtendAsync(http.User, id, body?.EndsAt, duration, ct);
                    return TypedResults.Ok(SilenceResponse.From(extended, time.GetUtcNow()));
                }
                catch (AlertRequestException ex)
                {
                    return AlertApiEndpoints.Problem(ex);
                }
            })
            .Accepts<ExtendSilenceRequest>("application/json")
            .RequireAuthorization(ConsolePolicies.AlertsAct)
            .WithName("ExtendSilence")
            .WithSummary("Extend an active or pending silence: a new endsAt, or a duration added to its current end");

        return silences;
    }
}
