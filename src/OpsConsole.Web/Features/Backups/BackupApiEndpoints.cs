using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Operations;

namespace OpsConsole.Web.Features.Backups;

/// <summary>A managed database as the API lists it; freshness is fresh, ageing (past 80 % of the RPO) or too_old.</summary>
public sealed record DatabaseResponse(
    string Name, string? ServerVersion, long? SizeBytes, int? Connections, string? ProbeError, DateTimeOffset? ProbedAt,
    BackupResponse? LastBackup, double? LastBackupAgeSeconds, string Freshness, double RpoSeconds, string Schedule, string TimeZone,
    DateTimeOffset? NextBackup, DrillResponse? LastDrill, string? DrillSchedule, DateTimeOffset? NextDrill, int Backups, long BackupBytes,
    OperationResponse? ActiveOperation, OperationResponse? LastFailedBackup, bool Protected, bool RequireApproval)
{
    public static DatabaseResponse From(DatabaseStatus d, DateTimeOffset now) => new(
        d.Name, d.Probe?.Info?.ServerVersion.Text, d.Probe?.Info?.SizeBytes, d.Probe?.Info?.Connections, d.Probe?.Error, d.Probe?.At,
        d.LastBackup is { } b ? BackupResponse.From(b) : null, d.AgeAt(now)?.TotalSeconds is { } age ? Math.Round(age, 3) : null,
        FreshnessName(d.Freshness), d.Rpo.TotalSeconds, d.Schedule, d.TimeZone, d.NextBackup, d.LastDrill is { } x ? DrillResponse.From(x) : null,
        d.DrillSchedule, d.NextDrill, d.Backups, d.BackupBytes, d.Active is { } a ? OperationResponse.From(a, now) : null,
        d.LastFailure is { } f ? OperationResponse.From(f, now) : null, d.Protected, d.RequireApproval);

    public static string FreshnessName(BackupFreshness freshness) => freshness switch
    {
        BackupFreshness.Fresh => "fresh",
        BackupFreshness.Ageing => "ageing",
        _ => "too_old",
    };
}

public sealed record BackupResponse(
    Guid Id, string Database, string Purpose, DateTimeOffset StartedAt, DateTimeOffset CompletedAt, string FileName, long SizeBytes, string Sha256,
    double DurationSeconds, string PgDumpVersion, string ServerVersion, int Tables, long Rows, bool Verified, DateTimeOffset? VerifiedAt,
    string? VerifyError, Guid? OperationId)
{
    public static BackupResponse From(BackupView b) => new(
        b.Id, b.Database, b.Purpose, b.StartedAt, b.CompletedAt, b.FileName, b.SizeBytes, b.Sha256, b.DurationSeconds, b.PgDumpVersion,
        b.ServerVersion, b.Tables, b.Rows, b.Verified, b.VerifiedAt, b.VerifyError, b.OperationId);
}

public sealed record DrillResponse(Guid Id, Guid BackupId, DateTimeOffset At, bool Succeeded, double RestoreSeconds, string? Error)
{
    public static DrillResponse From(DrillView d) => new(d.Id, d.BackupId, d.At, d.Succeeded, d.RestoreSeconds, d.Error);
}

public sealed record DatabaseListResponse(IReadOnlyList<DatabaseResponse> Items);

public sealed record BackupListResponse(IReadOnlyList<BackupResponse> Items, int Total, int Offset, int Limit);

/// <summary>Body of POST /databases/{name}/backups: the purpose (manual by default).</summary>
public sealed record BackUpRequest(string? Purpose);

/// <summary>/api/v1/databases: managed databases, their backups (list, back up now, verify, download, delete) and drills.</summary>
public static class BackupApiEndpoints
{
    public static RouteGroupBuilder MapBackupApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var databases = api.MapGroup("/databases");

        databases.MapGet("", async (ClaimsPrincipal caller, BackupService service, TimeProvider time, CancellationToken ct) =>
            {
                var now = time.GetUtcNow();
                return TypedResults.Ok(new DatabaseListResponse([.. (await service.ListDatabasesAsync(caller, ct)).Select(d => DatabaseResponse.From(d, now))]));
            })
            .RequireAuthorization(ConsolePolicies.BackupsRead)
            .WithName("ListDatabases")
            .WithSummary("Managed databases: server version, size, connections, newest backup and its freshness against the RPO, next run, last drill, running operation");

        databases.MapGet("/{name}/backups", async Task<Results<Ok<BackupListResponse>, ProblemHttpResult>> (
                string name, int? offset, int? limit, ClaimsPrincipal caller, BackupService service, CancellationToken ct) =>
            {
                try
                {
                    var page = await service.ListBackupsAsync(caller, name, offset ?? 0, limit ?? 50, ct);
                    return TypedResults.Ok(new BackupListResponse([.. page.Items.Select(BackupResponse.From)], page.Total, page.Offset, page.Limit));
                }
                catch (KeyNotFoundException ex)
                {
                    return NotFound(ex.Message);
                }
            })
            .RequireAuthorization(ConsolePolicies.BackupsRead)
            .WithName("ListBackups")
            .WithSummary("A database's kept backups, newest first (offset, limit 1..500, default 50)");

        databases.MapPost("/{name}/backups", async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> (
                string name, HttpContext http, BackupService service, TimeProvider time, CancellationToken ct) =>
            {
                BackUpRequest? body = null;
                if (http.Request.ContentLength is not 0 && http.Request.HasJsonContentType())
                {
                    try
                    {
                        body = await http.Request.ReadFromJsonAsync<BackUpRequest>(ct);
                    }
                    catch (System.Text.Json.JsonException ex)
                    {
                        return ApiProblem.Invalid("body", $"The body is not valid JSON: {ex.Message}");
                    }
                }

                var purpose = string.IsNullOrWhiteSpace(body?.Purpose) ? BackupPurposes.Manual : body.Purpose.Trim();
                if (!BackupPurposes.All.Contains(purpose))
                {
                    return ApiProblem.Invalid("purpose", $"\"{purpose}\" is not a backup purpose; use one of {string.Join(", ", BackupPurposes.All)}.");
                }

                return await RequestAsync(() => service.BackUpNowAsync(http.User, name, purpose, ct), time);
            })
            .Accepts<BackUpRequest>("application/json")
            .RequireAuthorization(ConsolePolicies.BackupsAct)
            .WithName("BackUpDatabase")
            .WithSummary("Back up now: 202 with the queued operation (follow it at /api/v1/operations/{id}); 409 naming the operation that holds the database");

        databases.MapPost("/{name}/drills", (string name, ClaimsPrincipal caller, BackupService service, TimeProvider time, CancellationToken ct) =>
                RequestAsync(() => service.DrillNowAsync(caller, name, ct), time))
            .RequireAuthorization(ConsolePolicies.BackupsAct)
            .WithName("DrillDatabase")
            .WithSummary("Run a restore drill of the newest verified backup now: 202 with the queued operation; 409 when the database is busy");

        var backups = api.MapGroup("/backups");

        backups.MapPost("/{id:guid}/verify", (Guid id, ClaimsPrincipal caller, BackupService service, TimeProvider time, CancellationToken ct) =>
                RequestAsync(() => service.VerifyAsync(caller, id, ct), time))
            .RequireAuthorization(ConsolePolicies.BackupsAct)
            .WithName("VerifyBackup")
            .WithSummary("Verify a backup again (checksum, pg_restore --list, every manifest table): 202 with the queued operation");

        backups.MapGet("/{id:guid}/file", async Task<Results<FileStreamHttpResult, ProblemHttpResult>> (Guid id, ClaimsPrincipal caller, BackupService service, CancellationToken ct) =>
            {
                try
                {
                    var (backup, content) = await service.OpenDownloadAsync(caller, id, ct);
                    return TypedResults.File(content, "application/octet-stream", backup.FileName);
                }
                catch (KeyNotFoundException ex)
                {
                    return NotFound(ex.Message);
                }
                catch (FileNotFoundException ex)
                {
                    return TypedResults.Problem(ex.Message, title: "Gone", statusCode: StatusCodes.Status410Gone);
                }
            })
            .RequireAuthorization(ConsolePolicies.BackupsAct)
            .WithName("DownloadBackup")
            .WithSummary("Download a backup's dump (pg_dump custom format); audited");

        backups.MapDelete("/{id:guid}", (Guid id, string? reason, ClaimsPrincipal caller, BackupService service, TimeProvider time, CancellationToken ct) =>
                RequestAsync(() => service.DeleteAsync(caller, id, reason, ct), time))
            .RequireAuthorization(ConsolePolicies.BackupsAct)
            .WithName("DeleteBackup")
            .WithSummary("Delete a backup (an operation: file removed, row kept as deleted with the reason; awaits a second person's approval when the database RequireApproval): 202; 409 for the newest verified backup");

        return databases;
    }

    private static async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> RequestAsync(Func<Task<OperationView>> request, TimeProvider time)
    {
        try
        {
            var op = await request();
            return TypedResults.Accepted($"{ApiEndpoints.Prefix}/operations/{op.Id}", OperationResponse.From(op, time.GetUtcNow()));
        }
        catch (KeyNotFoundException ex)
        {
            return NotFound(ex.Message);
        }
        catch (OperationRefusedException ex)
        {
            return OperationApiEndpoints.Refused(ex);
        }
    }

    private static ProblemHttpResult NotFound(string message) => TypedResults.Problem(message, title: "Not found", statusCode: StatusCodes.Status404NotFound);
}
