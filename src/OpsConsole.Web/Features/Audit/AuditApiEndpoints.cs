using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit.Search;
using OpsConsole.Web.Api;

namespace OpsConsole.Web.Features.Audit;

/// <summary>An export request: the format and the same filters as <c>GET /api/v1/audit</c>, as text.</summary>
public sealed record AuditExportRequest(
    string? Format, string? From = null, string? To = null, string? Actor = null, string? ActorMatch = null, string? Action = null,
    string? TargetType = null, string? TargetId = null, string? Outcome = null, string? Text = null);

/// <summary>/api/v1/audit: search (keyset pages), one record, exports with a checkable manifest. Policy: AuditRead.</summary>
public static class AuditApiEndpoints
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var audit = api.MapGroup("/audit").RequireAuthorization(ConsolePolicies.AuditRead);

        audit.MapGet("", async Task<Results<Ok<AuditSearchPage>, ProblemHttpResult>> (
                ClaimsPrincipal caller, IAuditSearch search, CancellationToken ct,
                string? from, string? to, string? actor, string? actorMatch, string? action, string? targetType, string? targetId,
                string? outcome, string? text, string? cursor, string? limit) =>
            {
                try
                {
                    var query = AuditQuery.Parse(from, to, actor, actorMatch, action, targetType, targetId, outcome, text);
                    var (parsedCursor, pageSize) = AuditQuery.ParsePaging(cursor, limit);
                    return TypedResults.Ok(await search.SearchAsync(caller, query, parsedCursor, pageSize, ct));
                }
                catch (AuditQueryException ex)
                {
                    return Invalid(ex);
                }
            })
            .WithName("SearchAudit")
            .WithSummary("Audit records matching the filters, newest first, one keyset page (pass nextCursor as cursor for the next)");

        audit.MapGet("/{sequence:long}", async Task<Results<Ok<AuditRecordDetail>, ProblemHttpResult>> (
                long sequence, ClaimsPrincipal caller, IAuditSearch search, CancellationToken ct) =>
                await search.GetAsync(caller, sequence, ct) is { } detail
                    ? TypedResults.Ok(detail)
                    : TypedResults.Problem("No audit record with this sequence that you may read.", title: "Not found", statusCode: StatusCodes.Status404NotFound))
            .WithName("GetAuditRecord")
            .WithSummary("One audit record with every field, its previous and own hash (hex) and the nearest records you may read");

        audit.MapPost("/exports", async Task<Results<Created<AuditExportManifest>, ProblemHttpResult>> (
                AuditExportRequest request, ClaimsPrincipal caller, AuditExportService exports, CancellationToken ct) =>
            {
                try
                {
                    var query = AuditQuery.Parse(request.From, request.To, request.Actor, request.ActorMatch, request.Action,
                        request.TargetType, request.TargetId, request.Outcome, request.Text);
                    var manifest = await exports.CreateAsync(caller, query, request.Format, ct);
                    return TypedResults.Created($"{ApiEndpoints.Prefix}/audit/exports/{manifest.Id}", manifest);
                }
                catch (AuditQueryException ex)
                {
                    return Invalid(ex);
                }
            })
            .WithName("CreateAuditExport")
            .WithSummary("Write the matching records to an export file (csv or jsonl) and return its manifest: count, sequence range, SHA-256");

        audit.MapGet("/exports/{id}", async Task<Results<FileStreamHttpResult, ProblemHttpResult>> (
                string id, HttpContext http, AuditExportService exports, CancellationToken ct) =>
            {
                if (await exports.OpenAsync(http.User, id, ct) is not { } opened)
                {
                    return ExportNotFound();
                }

                // RFC 9530: the digest of the bytes that follow, so a client can check the download without the manifest.
                http.Response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(opened.Manifest.Sha256))}:";
                return TypedResults.Stream(opened.Content, opened.Manifest.MediaType, opened.Manifest.FileName);
            })
            .WithName("DownloadAuditExport")
            .WithSummary("The export file, byte for byte as hashed in its manifest");

        audit.MapGet("/exports/{id}/manifest", async Task<Results<Ok<AuditExportManifest>, ProblemHttpResult>> (
                string id, ClaimsPrincipal caller, AuditExportService exports, CancellationToken ct) =>
                await exports.GetManifestAsync(caller, id, ct) is { } manifest ? TypedResults.Ok(manifest) : ExportNotFound())
            .WithName("GetAuditExportManifest")
            .WithSummary("The manifest of an export: filter, count, first and last sequence, byte length, SHA-256");

        return audit;
    }

    private static ProblemHttpResult ExportNotFound() =>
        TypedResults.Problem("No export with this id that you may read.", title: "Not found", statusCode: StatusCodes.Status404NotFound);

    private static ProblemHttpResult Invalid(AuditQueryException ex) => ApiProblem.Invalid(ex.Field, ex.Message);
}
