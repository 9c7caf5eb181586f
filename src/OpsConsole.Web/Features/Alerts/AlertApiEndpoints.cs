using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Identity.Account;

namespace OpsConsole.Web.Features.Alerts;

/// <summary>An alert as the API shows it; <c>value</c> is Prometheus's text form ("0.07", "+Inf").</summary>
public sealed record AlertResponse(
    long Id, string Source, string Fingerprint, string Name, string Severity,
    IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations,
    string State, DateTimeOffset ActiveAt, DateTimeOffset? FiredAt, DateTimeOffset? ResolvedAt, string? ResolvedBy,
    string? Value, string? GeneratorUrl, string Origin, string? ExternalUrl, AlertAck? Ack,
    bool Silenced, IReadOnlyList<Guid> SilencedBy, bool Inhibited, long? InhibitedBy, DateTimeOffset UpdatedAt)
{
    public static AlertResponse From(AlertView a) => new(
        a.Id, AlertText.Of(a.Source), a.Fingerprint, a.Name, a.Severity,
        a.Labels.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal), a.Annotations,
        AlertText.Of(a.State), a.ActiveAt, a.FiredAt, a.ResolvedAt, a.ResolvedBy,
        a.Value is { } v ? PromValue(v) : null, a.GeneratorUrl, a.Origin, a.ExternalUrl, a.Ack,
        a.IsSilenced, a.SilencedBy, a.IsInhibited, a.InhibitedBy, a.UpdatedAt);

    private static string PromValue(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : double.IsNaN(v) ? "NaN" : v.ToString("R", CultureInfo.InvariantCulture);
}

public sealed record AlertListResponse(IReadOnlyList<AlertResponse> Items, string? NextCursor);

public sealed record AlertTimelineResponse(long Id, DateTimeOffset At, string Kind, string Actor, string? From, string? To, string? Text, Guid? SilenceId);

/// <summary>An alert and its timeline (state changes, acks, notes, silences, manual resolve), oldest first.</summary>
public sealed record AlertDetailResponse(AlertResponse Alert, IReadOnlyList<AlertTimelineResponse> Timeline)
{
    public static AlertDetailResponse From(AlertDetail d) => new(
        AlertResponse.From(d.Alert),
        [.. d.Timeline.Select(t => new AlertTimelineResponse(
            t.Id, t.At, t.Kind, t.Actor, t.FromState is { } f ? AlertText.Of(f) : null, t.ToState is { } s ? AlertText.Of(s) : null, t.Text, t.SilenceId))]);
}

/// <summary>Optional body of ack and resolve.</summary>
public sealed record AlertNoteRequest(string? Note);

/// <summary>Body of POST /alerts/{id}/notes.</summary>
public sealed record AlertAddNoteRequest(string? Text);

public sealed record AlertmanagerWebhookResponse(int Received, int Changed);

public sealed record AlertDeliveryListResponse(IReadOnlyList<AlertDelivery> Items, string? NextCursor);

/// <summary>/api/v1/alerts: search and history, one alert with its timeline, ack/unack/resolve/notes, the delivery log, and the Alertmanager webhook.</summary>
public static class AlertApiEndpoints
{
    public static RouteGroupBuilder MapAlertApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var alerts = api.MapGroup("/alerts");

        alerts.MapGet("", async Task<Results<Ok<AlertListResponse>, ProblemHttpResult>> (
                HttpContext http, AlertService service, CancellationToken ct,
                string? state, string? source, string? from, string? to, string? cursor, string? limit) =>
            {
                try
                {
                    var search = AlertSearch.Parse(state, http.Request.Query["filter"], from, to, source);
                    var (after, size) = Paging(cursor, limit);
                    var page = await service.SearchAsync(http.User, search, after, size, ct);
                    return TypedResults.Ok(new AlertListResponse(
                        [.. page.Items.Select(AlertResponse.From)], page.NextCursor?.ToString(CultureInfo.InvariantCulture)));
                }
                catch (AlertRequestException ex)
                {
                    return Problem(ex);
                }
            })
            .RequireAuthorization(ConsolePolicies.AlertsRead)
            .WithName("ListAlerts")
            .WithSummary("Alerts, newest first: state=firing|pending|resolved (comma-separated), filter=<matcher> (repeatable, e.g. severity=\"critical\", job=~\"shop.*\"), source, from/to (RFC 3339, the alert overlaps), keyset paging by cursor");

        alerts.MapGet("/{id:long}", async Task<Results<Ok<AlertDetailResponse>, ProblemHttpResult>> (
                long id, ClaimsPrincipal caller, AlertService service, CancellationToken ct) =>
                await service.GetAsync(caller, id, ct) is { } detail ? TypedResults.Ok(AlertDetailResponse.From(detail)) : Problem(AlertRequestException.NotFound("alert")))
            .RequireAuthorization(ConsolePolicies.AlertsRead)
            .WithName("GetAlert")
            .WithSummary("One alert with its timeline");

        alerts.MapPost("/{id:long}/ack", (long id, HttpContext http, AlertService service, CancellationToken ct) =>
                ActAsync<AlertNoteRequest>(http, body => service.AcknowledgeAsync(http.User, id, body?.Note, ct)))
            .Accepts<AlertNoteRequest>("application/json")
            .RequireAuthorization(ConsolePolicies.AlertsAct)
            .WithName("AcknowledgeAlert")
            .WithSummary("Acknowledge (take ownership of) an alert, with an optional note; everyone sees who and since when");

        alerts.MapPost("/{id:long}/unack", (long id, HttpContext http, AlertService service, CancellationToken ct) =>
                ActAsync<AlertNoteRequest>(http, _ => service.UnacknowledgeAsync(http.User, id, ct)))
            .RequireAuthorization(ConsolePolicies.AlertsAct)
            .WithName("UnacknowledgeAlert")
            .WithSummary("Remove the acknowledgement");

        alerts.MapPost("/{id:long}/resolve", (long id, HttpContext http, AlertService service, CancellationToken ct) =>
                ActAsync<AlertNoteRequest>(http, body => service.ResolveAsync(http.User, id, body?.Note, ct)))
            .Accepts<AlertNoteRequest>("application/json")
            .RequireAuthorization(ConsolePolicies.AlertsAct)
            .WithName("ResolveAlert")
            .WithSummary("Resolve an ingested (Alertmanager) or console alert by hand; rule alerts answer 409");

        alerts.MapPost("/{id:long}/notes", (long id, HttpContext http, AlertService service, CancellationToken ct) =>
                ActAsync<AlertAddNoteRequest>(http, body => service.AddNoteAsync(http.User, id, body?.Text, ct)))
            .Accepts<AlertAddNoteRequest>("application/json")
            .RequireAuthorization(ConsolePolicies.AlertsAct)
            .WithName("AddAlertNote")
            .WithSummary("Add a note to an alert's timeline");

        alerts.MapGet("/notifications", async Task<Results<Ok<AlertDeliveryListResponse>, ProblemHttpResult>> (
                ClaimsPrincipal caller, AlertService service, CancellationToken ct, string? receiver, string? cursor, string? limit) =>
            {
                try
                {
                    var (after, size) = Paging(cursor, limit);
                    var page = await service.DeliveriesAsync(caller, receiver, after, size, ct);
                    return TypedResults.Ok(new AlertDeliveryListResponse(page.Items, page.NextCursor?.ToString(CultureInfo.InvariantCulture)));
                }
                catch (AlertRequestException ex)
                {
                    return Problem(ex);
                }
            })
            .RequireAuthorization(ConsolePolicies.AlertsRead)
            .WithName("ListAlertNotifications")
            .WithSummary("The outward delivery log, newest first: receiver, group, status, attempts, HTTP status, error");

        return alerts;
    }

    /// <summary>
    /// <c>POST /api/v1/alerts/alertmanager</c>, outside the cookie surface (no antiforgery: it never accepts the
    /// sign-in cookie): a bearer token from <c>Alerts:Alertmanager:BearerTokens</c>, or a console API token of a role
    /// with <see cref="ConsolePolicies.AlertsAct"/>. Missing or wrong token: 401, audited as a denial.
    /// </summary>
    public static IEndpointRouteBuilder MapAlertmanagerWebhook(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost($"{ApiEndpoints.Prefix}/alerts/alertmanager", async Task<IResult> (
                HttpContext http, AlertmanagerSenders senders, AlertmanagerIngestService ingest, IAuthorizationService authorization, CancellationToken ct) =>
            {
                ClaimsPrincipal? caller = null;
                if (senders.Match(ApiTokenAuthenticationHandler.PresentedToken(http.Request)) is { } sender)
                {
                    caller = AlertmanagerSenders.PrincipalFor(sender);
                }
                else if (http.User.Identity?.IsAuthenticated == true && http.User.HasClaim(c => c.Type == ApiTokenAuthenticationHandler.AuthenticationMethodClaim))
                {
                    caller = http.User; // a bearer token the console knows (its own API token or the provider's), never the cookie
                }

                if (caller is null)
                {
                    http.Response.Headers.WWWAuthenticate = "Bearer";
                    await ApiProblem.UnauthorizedAsync(http, "Send Alertmanager's webhook with a bearer token from Alerts:Alertmanager:BearerTokens (http_config: authorization: credentials:) or a console API token.");
                    return Results.Empty;
                }

                if (!AlertmanagerSenders.IsSender(caller) && !(await authorization.AuthorizeAsync(caller, ConsolePolicies.AlertsAct)).Succeeded)
                {
                    await ApiProblem.ForbiddenAsync(http);
                    return Results.Empty;
                }

                AlertmanagerWebhookMessage message;
                try
                {
                    using var buffer = new MemoryStream();
                    await http.Request.Body.CopyToAsync(buffer, ct);
                    message = AlertmanagerPayload.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
                }
                catch (AlertmanagerPayloadException ex)
                {
                    await ingest.RecordRejectedAsync(caller, ex.Field, ex.Message, ct);
                    return ex.NotJson
                        ? TypedResults.Problem(title: "Not JSON", detail: ex.Message, statusCode: StatusCodes.Status400BadRequest,
                            extensions: new Dictionary<string, object?> { ["field"] = ex.Field })
                        : ApiProblem.Invalid(ex.Field, ex.Message);
                }

                var result = await ingest.IngestAsync(caller, message, ct);
                return TypedResults.Ok(new AlertmanagerWebhookResponse(result.Received, result.Changed));
            })
            .AllowAnonymous()
            .Accepts<AlertmanagerWebhookMessage>("application/json")
            .Produces<AlertmanagerWebhookResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithTags("console")
            .WithName("ReceiveAlertmanagerWebhook")
            .WithSummary("Alertmanager's webhook receiver (payload version 4): alerts deduplicated by fingerprint, resolved when Alertmanager says so");
        return endpoints;
    }

    internal static async Task<Results<Ok<AlertDetailResponse>, ProblemHttpResult>> ActAsync<TBody>(HttpContext http, Func<TBody?, Task<AlertDetail>> act)
        where TBody : class
    {
        try
        {
            var (body, problem) = await ApiJson.ReadOptionalAsync<TBody>(http);
            if (problem is not null)
            {
                return problem;
            }

            return TypedResults.Ok(AlertDetailResponse.From(await act(body)));
        }
        catch (AlertRequestException ex)
        {
            return Problem(ex);
        }
    }

    internal static (long? Cursor, int Limit) Paging(string? cursor, string? limit)
    {
        long? after = null;
        if (!string.IsNullOrWhiteSpace(cursor))
        {
            after = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0
                ? c
                : throw AlertRequestException.Invalid("cursor", "'cursor' must be the nextCursor of a previous page.");
        }

        var size = 100;
        if (!string.IsNullOrWhiteSpace(limit)
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > AlertService.MaxPageSize))
        {
            throw AlertRequestException.Invalid("limit", $"'limit' must be an integer from 1 to {AlertService.MaxPageSize}.");
        }

        return (after, size);
    }

    internal static ProblemHttpResult Problem(AlertRequestException ex) => ex.Problem switch
    {
        AlertProblem.NotFound => TypedResults.Problem(ex.Message, title: "Not found", statusCode: StatusCodes.Status404NotFound),
        AlertProblem.Conflict => TypedResults.Problem(ex.Message, title: "Conflict", statusCode: StatusCodes.Status409Conflict),
        _ => ApiProblem.Invalid(ex.Field, ex.Message),
    };
}

/// <summary>Request bodies read by hand, so malformed JSON is a 400 problem naming where it broke instead of a bare 400.</summary>
internal static class ApiJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>The body as <typeparamref name="T"/>; an empty body is null (for optional bodies).</summary>
    public static async Task<(T? Body, ProblemHttpResult? Problem)> ReadOptionalAsync<T>(HttpContext http)
        where T : class
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        if (buffer.Length == 0)
        {
            return (null, null);
        }

        try
        {
            return (JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), Options), null);
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            return (null, TypedResults.Problem(
                title: "The body cannot be read",
                detail: $"The JSON body is malformed or has a wrong type at '{field}'.",
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["field"] = field }));
        }
    }
}
