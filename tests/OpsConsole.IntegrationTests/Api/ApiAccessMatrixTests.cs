using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Audit.Search;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Core.Identity.Displays;
using OpsConsole.Core.Identity.Sessions;
using OpsConsole.Core.Keys;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.IntegrationTests.Operations;

namespace OpsConsole.IntegrationTests.Api;

/// <summary>
/// Every operation in /openapi/v1.json, called as every role and anonymously. An operation without an entry in
/// <see cref="Matrix"/> fails the test, so a new endpoint cannot ship without deciding who may call it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class ApiAccessMatrixTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    /// <summary>
    /// Managed databases m00.. (all the same real database), six runs of one per caller (anonymous and each role): each call
    /// that starts an operation gets a target of its own. The third run holds backups; its first database is the one read.
    /// </summary>
    private static readonly int MatrixDatabases = 6 * (ConsoleRoles.All.Count + 1);

    private static string Shown => $"m{2 * (ConsoleRoles.All.Count + 1):00}";

    /// <summary>
    /// Managed databases g00..g24 with migrations (all one other real database and one folder): a target of its own for
    /// each rehearsal, apply and undo call, and g24 to read. They require approval, so applies and undos wait and never
    /// run; a rehearsal runs on a copy of its fake backup and fails there, touching no other call's target.
    /// </summary>
    private static readonly int MigrationDatabases = (3 * (ConsoleRoles.All.Count + 1)) + 1;

    private string _matrixDatabase = "";
    private string _migrationDatabase = "";
    private DirectoryInfo? _migrationFolder;

    private string MigrationShown => $"g{MigrationDatabases - 1:00}";

    private static readonly int PerCall = ConsoleRoles.All.Count + 1;

    private static IEnumerable<string> RotatedRings => Enumerable.Range(0, PerCall).Select(i => $"k{i:00}");

    private static IEnumerable<string> RevokedRings => Enumerable.Range(0, PerCall).Select(i => $"r{i:00}");

    private static IEnumerable<string> KeyRings => [.. RotatedRings, .. RevokedRings, "shown"];

    protected override async Task<TestConsole> StartConsoleAsync()
    {
        _matrixDatabase = _matrixDatabase.Length > 0 ? _matrixDatabase : await Postgres.CreateEmptyDatabaseAsync();
        _migrationDatabase = _migrationDatabase.Length > 0 ? _migrationDatabase : await Postgres.CreateEmptyDatabaseAsync();
        _migrationFolder ??= MatrixMigrationFolder();
        var settings = new Dictionary<string, string?> { ["Backups:CatchUp"] = "false" };
        for (var i = 0; i < MatrixDatabases; i++)
        {
            settings[$"ManagedDatabases:m{i:00}:ConnectionString"] = _matrixDatabase;
            settings[$"ManagedDatabases:m{i:00}:Schedule"] = "0 0 1 1 *";
        }

        for (var i = 0; i < MigrationDatabases; i++)
        {
            settings[$"ManagedDatabases:g{i:00}:ConnectionString"] = _migrationDatabase;
            settings[$"ManagedDatabases:g{i:00}:Schedule"] = "0 0 1 1 *";
            settings[$"ManagedDatabases:g{i:00}:RequireApproval"] = "true";
            settings[$"ManagedDatabases:g{i:00}:Migrations:Path"] = _migrationFolder.FullName;
        }

        // Key rings: k00.. each rotated by one call, r00.. each with a pending key one call revokes, and "shown" to read.
        foreach (var ring in KeyRings)
        {
            settings[$"Keys:Rings:{ring}:Algorithm"] = "ES256";
        }

        // One declared external secret: read, and recorded by every allowed call (each at "now", so never before the last).
        settings["Keys:Secrets:shown:Owner"] = "matrix-team";
        settings["Keys:Secrets:shown:Location"] = "env MATRIX_KEY";

        return await TestConsole.StartAsync(Postgres.SharedConnectionString, settings, OperationGates.Register);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _migrationFolder?.Delete(recursive: true);
    }

    /// <summary>V1 (applied in <see cref="ArrangeAsync"/>, with its undo U1) and V2 (pending).</summary>
    private static DirectoryInfo MatrixMigrationFolder()
    {
        var folder = Directory.CreateTempSubdirectory("opsconsole-matrix-migrations-");
        File.WriteAllText(Path.Combine(folder.FullName, "V1__matrix.sql"), "CREATE TABLE matrix_migrated (id int);\n");
        File.WriteAllText(Path.Combine(folder.FullName, "U1__matrix.sql"), "DROP TABLE matrix_migrated;\n");
        File.WriteAllText(Path.Combine(folder.FullName, "V2__matrix_note.sql"), "ALTER TABLE matrix_migrated ADD COLUMN note text;\n");
        return folder;
    }

    private static readonly string[] SystemReaders = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall];
    private static readonly string[] AuditReaders = [ConsoleRoles.Admin, ConsoleRoles.Auditor, ConsoleRoles.Sre];
    private static readonly string[] AlertReaders = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall, ConsoleRoles.Viewer];
    private static readonly string[] AlertActors = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall];
    private static readonly string[] OperationReaders = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall, ConsoleRoles.Viewer];
    private static readonly string[] OperationActors = [ConsoleRoles.Admin, ConsoleRoles.Sre];
    private static readonly string[] KeyReaders = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall, ConsoleRoles.Viewer, ConsoleRoles.Auditor, ConsoleRoles.Compliance];

    /// <summary>"METHOD /path" -> roles that get 2xx and how to build a valid request; others get 403, anonymous 401.</summary>
    private static readonly Dictionary<string, (string[] Roles, Func<MatrixContext, HttpRequestMessage> Build)> Matrix = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/me"] = ([.. ConsoleRoles.All], c => c.Get("/api/v1/me")),
        ["GET /api/v1/system/stats"] = (SystemReaders, c => c.Get("/api/v1/system/stats")),
        ["GET /api/v1/users"] = ([ConsoleRoles.Admin], c => c.Get("/api/v1/users")),
        ["POST /api/v1/users"] = ([ConsoleRoles.Admin], c => c.Json(HttpMethod.Post, "/api/v1/users", new { userName = c.UniqueName(), role = "Viewer" })),
        ["PUT /api/v1/users/{id}/roles"] = ([ConsoleRoles.Admin], c => c.Json(HttpMethod.Put, $"/api/v1/users/{c.TargetUserId}/roles", new { roles = new[] { "Viewer", "OnCall" } })),
        ["POST /api/v1/users/{id}/disable"] = ([ConsoleRoles.Admin], c => c.Post($"/api/v1/users/{c.TargetUserId}/disable")),
        ["POST /api/v1/users/{id}/enable"] = ([ConsoleRoles.Admin], c => c.Post($"/api/v1/users/{c.TargetUserId}/enable")),
        ["POST /api/v1/users/{id}/unlock"] = ([ConsoleRoles.Admin], c => c.Post($"/api/v1/users/{c.TargetUserId}/unlock")),
        ["GET /api/v1/tokens"] = ([.. ConsoleRoles.All], c => c.Get("/api/v1/tokens")),
        ["GET /api/v1/users/{id}/tokens"] = ([ConsoleRoles.Admin], c => c.Get($"/api/v1/users/{c.TargetUserId}/tokens")),
        // Someone else's token: only an Admin may revoke it (the first Admin call does; it answers 204).
        ["DELETE /api/v1/tokens/{id}"] = ([ConsoleRoles.Admin], c => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/tokens/{c.TargetTokenId}")),
        ["POST /api/v1/users/{id}/sign-out"] = ([ConsoleRoles.Admin], c => c.Post($"/api/v1/users/{c.TargetUserId}/sign-out")),
        ["POST /api/v1/users/{id}/reset-password"] = ([ConsoleRoles.Admin], c => c.Post($"/api/v1/users/{c.TargetUserId}/reset-password")),
        ["GET /api/v1/displays"] = ([ConsoleRoles.Admin], c => c.Get("/api/v1/displays")),
        ["POST /api/v1/displays"] = ([ConsoleRoles.Admin], c => c.Json(HttpMethod.Post, "/api/v1/displays", new { name = c.UniqueName() })),
        // A new code is allowed while the display is pending and after it was revoked, so the order of the two does not matter.
        ["POST /api/v1/displays/{id}/pairing-code"] = ([ConsoleRoles.Admin], c => c.Post($"/api/v1/displays/{c.TargetDisplayId}/pairing-code")),
        ["DELETE /api/v1/displays/{id}"] = ([ConsoleRoles.Admin], c => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/displays/{c.TargetDisplayId}")),
        ["GET /api/v1/me/sessions"] = ([.. ConsoleRoles.All], c => c.Get("/api/v1/me/sessions")),
        // Every caller ends a session of their own (a fresh one is made before each call; see CallerSessionId).
        ["DELETE /api/v1/me/sessions/{id}"] = ([.. ConsoleRoles.All], c => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/me/sessions/{c.CallerSessionId}")),
        ["POST /api/v1/me/sessions/sign-out-others"] = ([.. ConsoleRoles.All], c => c.Post("/api/v1/me/sessions/sign-out-others")),
        ["GET /api/v1/users/{id}/sessions"] = ([ConsoleRoles.Admin], c => c.Get($"/api/v1/users/{c.TargetUserId}/sessions")),
        ["GET /api/v1/audit"] = (AuditReaders, c => c.Get("/api/v1/audit?action=backups&limit=10")),
        // An operational record and an Sre's export: what every audit reader may see (an Sre gets 404 for identity records).
        ["GET /api/v1/audit/{sequence}"] = (AuditReaders, c => c.Get($"/api/v1/audit/{c.AuditSequence}")),
        ["POST /api/v1/audit/exports"] = (AuditReaders, c => c.Json(HttpMethod.Post, "/api/v1/audit/exports", new { format = "jsonl", action = "backups" })),
        ["GET /api/v1/audit/exports/{id}"] = (AuditReaders, c => c.Get($"/api/v1/audit/exports/{c.AuditExportId}")),
        ["GET /api/v1/audit/exports/{id}/manifest"] = (AuditReaders, c => c.Get($"/api/v1/audit/exports/{c.AuditExportId}/manifest")),
        ["GET /api/v1/audit/verify"] = ([ConsoleRoles.Admin, ConsoleRoles.Auditor], c => c.Get("/api/v1/audit/verify")),
        ["GET /api/v1/audit/checkpoints"] = ([ConsoleRoles.Admin, ConsoleRoles.Auditor], c => c.Get("/api/v1/audit/checkpoints")),
        // 201 when the log moved since the last checkpoint, else 200 with the latest: both are success.
        ["POST /api/v1/audit/checkpoints"] = ([ConsoleRoles.Admin, ConsoleRoles.Auditor], c => c.Post("/api/v1/audit/checkpoints")),
        ["GET /api/v1/alerts"] = (AlertReaders, c => c.Get("/api/v1/alerts?state=firing&filter=job%3D%22matrix%22")),
        ["GET /api/v1/alerts/{id}"] = (AlertReaders, c => c.Get($"/api/v1/alerts/{c.AlertId}")),
        // Acknowledging again (another owner), unacknowledging when not acknowledged and resolving a resolved alert all answer 200.
        ["POST /api/v1/alerts/{id}/ack"] = (AlertActors, c => c.Json(HttpMethod.Post, $"/api/v1/alerts/{c.AlertId}/ack", new { note = "matrix" })),
        ["POST /api/v1/alerts/{id}/unack"] = (AlertActors, c => c.Post($"/api/v1/alerts/{c.AlertId}/unack")),
        ["POST /api/v1/alerts/{id}/resolve"] = (AlertActors, c => c.Post($"/api/v1/alerts/{c.ResolvableAlertId}/resolve")),
        ["POST /api/v1/alerts/{id}/notes"] = (AlertActors, c => c.Json(HttpMethod.Post, $"/api/v1/alerts/{c.AlertId}/notes", new { text = "matrix note" })),
        ["GET /api/v1/alerts/notifications"] = (AlertReaders, c => c.Get("/api/v1/alerts/notifications")),
        // Console API tokens of roles that act on alerts may post webhooks (Alertmanager itself uses Alerts:Alertmanager:BearerTokens).
        ["POST /api/v1/alerts/alertmanager"] = (AlertActors, c => new HttpRequestMessage(HttpMethod.Post, "/api/v1/alerts/alertmanager")
        {
            Content = new StringContent(
                """{"version":"4","status":"firing","receiver":"matrix","alerts":[{"status":"firing","labels":{"alertname":"MatrixHook","job":"matrix"},"startsAt":"2026-01-01T00:00:00Z"}]}""",
                System.Text.Encoding.UTF8, "application/json"),
        }),
        ["GET /api/v1/silences"] = (AlertReaders, c => c.Get("/api/v1/silences")),
        ["GET /api/v1/silences/{id}"] = (AlertReaders, c => c.Get($"/api/v1/silences/{c.SilenceId}")),
        ["POST /api/v1/silences"] = (AlertActors, c => c.Json(HttpMethod.Post, "/api/v1/silences", new
        {
            matchers = new[] { new { name = "job", op = "=", value = "matrix" } }, duration = "1h", comment = "matrix",
        })),
        // Expiring an expired silence answers 200 with it; extending uses another silence that is never expired.
        ["GET /api/v1/operations"] = (OperationReaders, c => c.Get("/api/v1/operations?active=true")),
        ["GET /api/v1/operations/{id}"] = (OperationReaders, c => c.Get($"/api/v1/operations/{c.OperationId}")),
        // Each call approves or cancels an operation of its own, requested by someone else: a second approval would be a 409.
        ["POST /api/v1/operations/{id}/approve"] = (OperationActors, c => c.Post($"/api/v1/operations/{c.NextAwaitingOperation()}/approve")),
        ["POST /api/v1/operations/{id}/cancel"] = (OperationActors, c => c.Post($"/api/v1/operations/{c.NextAwaitingOperation()}/cancel")),
        ["GET /api/v1/databases"] = (OperationReaders, c => c.Get("/api/v1/databases")),
        ["GET /api/v1/databases/{name}/backups"] = (OperationReaders, c => c.Get($"/api/v1/databases/{Shown}/backups")),
        // Each call that starts an operation gets a database (or a backup in a database) of its own: a busy target answers 409.
        ["POST /api/v1/databases/{name}/backups"] = (OperationActors, c => c.Post($"/api/v1/databases/{c.Next(c.BackupDatabases)}/backups")),
        ["POST /api/v1/databases/{name}/drills"] = (OperationActors, c => c.Post($"/api/v1/databases/{c.Next(c.DrillDatabases)}/drills")),
        ["POST /api/v1/backups/{id}/verify"] = (OperationActors, c => c.Post($"/api/v1/backups/{c.Next(c.VerifiableBackups)}/verify")),
        ["GET /api/v1/backups/{id}/file"] = (OperationActors, c => c.Get($"/api/v1/backups/{c.DownloadableBackup}/file")),
        ["DELETE /api/v1/backups/{id}"] = (OperationActors, c => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/backups/{c.Next(c.DeletableBackups)}")),
        ["POST /api/v1/databases/{name}/restores/plan"] = (OperationActors, c => c.Json(HttpMethod.Post, $"/api/v1/databases/{Shown}/restores/plan", new { mode = "replace" })),
        ["GET /api/v1/databases/{name}/restores/plans/{planId}"] = (OperationReaders, c => c.Get($"/api/v1/databases/{Shown}/restores/plans/{c.PlanId}")),
        // Each request runs its own plan on its own database (the restore then fails on the matrix's fake dump: the call is what counts).
        ["POST /api/v1/databases/{name}/restores"] = (OperationActors, c =>
        {
            var (database, plan) = c.Next(c.RestoreRequests);
            return c.Json(HttpMethod.Post, $"/api/v1/databases/{database}/restores", new { planId = plan, confirmation = database });
        }),
        ["GET /api/v1/databases/{name}/restores"] = (OperationReaders, c => c.Get($"/api/v1/databases/{Shown}/restores")),
        ["GET /api/v1/restores/{id}"] = (OperationReaders, c => c.Get($"/api/v1/restores/{c.RestoreId}")),
        ["POST /api/v1/restores/{id}/approve"] = (OperationActors, c => c.Post($"/api/v1/restores/{c.NextAwaitingOperation()}/approve")),
        ["POST /api/v1/restores/{id}/cancel"] = (OperationActors, c => c.Post($"/api/v1/restores/{c.NextAwaitingOperation()}/cancel")),
        ["POST /api/v1/restores/{id}/swap-back"] = (OperationActors, c =>
        {
            var (database, restore) = c.Next(c.SwapBacks);
            return c.Json(HttpMethod.Post, $"/api/v1/restores/{restore}/swap-back", new { confirmation = database });
        }),
        ["GET /api/v1/databases/{name}/migrations"] = (OperationReaders, c => c.Get($"/api/v1/databases/{c.MigrationShown}/migrations")),
        ["POST /api/v1/keys/{ring}/sign"] = ([ConsoleRoles.Signer], c => c.Json(HttpMethod.Post, "/api/v1/keys/shown/sign", new { claims = new { sub = "matrix" } })),
        ["GET /api/v1/console-keys"] = (KeyReaders, c => c.Get("/api/v1/console-keys")),
        // One target for every call: each waits until the previous rotation ended (a second while one runs is a 409).
        ["POST /api/v1/console-keys/audit-checkpoint/rotate"] = (OperationActors, c =>
        {
            c.WaitUntilIdle("audit:checkpoint-key");
            return c.Post("/api/v1/console-keys/audit-checkpoint/rotate");
        }),
        ["GET /api/v1/keys"] = (KeyReaders, c => c.Get("/api/v1/keys")),
        ["GET /api/v1/keys/{ring}"] = (KeyReaders, c => c.Get("/api/v1/keys/shown")),
        ["GET /api/v1/keys/secrets"] = (KeyReaders, c => c.Get("/api/v1/keys/secrets")),
        ["GET /api/v1/keys/secrets/{name}"] = (KeyReaders, c => c.Get("/api/v1/keys/secrets/shown")),
        ["POST /api/v1/keys/secrets/{name}/rotations"] = (OperationActors, c => c.Json(HttpMethod.Post, "/api/v1/keys/secrets/shown/rotations", new { note = "matrix" })),
        // Each call rotates a ring of its own (a second rotation of one ring is refused while its new key is pending).
        ["POST /api/v1/keys/{ring}/rotate"] = (OperationActors, c =>
        {
            var ring = c.Next(c.RotatedRings);
            return c.Json(HttpMethod.Post, $"/api/v1/keys/{ring}/rotate", new { confirmation = ring });
        }),
        // Each call revokes the pending key of a ring of its own (which cancels that ring's rotation).
        ["POST /api/v1/keys/{ring}/versions/{kid}/revoke"] = ([ConsoleRoles.Admin], c =>
        {
            var (ring, kid) = c.Next(c.RevocableKeys);
            return c.Json(HttpMethod.Post, $"/api/v1/keys/{ring}/versions/{kid}/revoke", new { confirmation = kid, reason = "matrix" });
        }),
        ["GET /api/v1/databases/{name}/migrations/runs"] = (OperationReaders, c => c.Get($"/api/v1/databases/{c.MigrationShown}/migrations/runs")),
        ["GET /api/v1/migration-runs/{id}"] = (OperationReaders, c => c.Get($"/api/v1/migration-runs/{c.MigrationRunId}")),
        // Each on a database of its own (a busy target answers 409). Applies and undos wait for an approval; rehearsals run and fail on the fake backup.
        ["POST /api/v1/databases/{name}/migrations/rehearsals"] = (OperationActors, c =>
            c.Json(HttpMethod.Post, $"/api/v1/databases/{c.Next(c.MigrationRehearsals)}/migrations/rehearsals", new { upTo = "2" })),
        ["POST /api/v1/databases/{name}/migrations/apply"] = (OperationActors, c =>
            c.Json(HttpMethod.Post, $"/api/v1/databases/{c.Next(c.MigrationApplies)}/migrations/apply", new { upTo = "2" })),
        ["POST /api/v1/databases/{name}/migrations/undo"] = (OperationActors, c =>
            c.Json(HttpMethod.Post, $"/api/v1/databases/{c.Next(c.MigrationUndos)}/migrations/undo", new { version = "1" })),
        ["DELETE /api/v1/silences/{id}"] = (AlertActors, c => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/silences/{c.SilenceId}")),
        ["POST /api/v1/silences/{id}/extend"] = (AlertActors, c => c.Json(HttpMethod.Post, $"/api/v1/silences/{c.ExtendableSilenceId}/extend", new { duration = "10m" })),
    };

    public sealed class MatrixContext(string targetUserId, Guid targetTokenId, Guid targetDisplayId)
    {
        private int _names;

        public string TargetUserId { get; } = targetUserId;

        public Guid TargetTokenId { get; } = targetTokenId;

        public Guid TargetDisplayId { get; } = targetDisplayId;

        public long AuditSequence { get; init; }

        public string AuditExportId { get; init; } = "";

        public long AlertId { get; init; }

        public long ResolvableAlertId { get; init; }

        public Guid SilenceId { get; init; }

        public Guid ExtendableSilenceId { get; init; }

        public Guid OperationId { get; init; }

        /// <summary>Operations awaiting approval, one per call that approves or cancels.</summary>
        public Queue<Guid> AwaitingOperations { get; init; } = [];

        public Guid NextAwaitingOperation() => AwaitingOperations.Dequeue();

        public Queue<string> BackupDatabases { get; init; } = [];

        public Queue<string> DrillDatabases { get; init; } = [];

        public Queue<Guid> VerifiableBackups { get; init; } = [];

        public Queue<Guid> DeletableBackups { get; init; } = [];

        public Guid DownloadableBackup { get; init; }

        public Guid PlanId { get; init; }

        public Guid RestoreId { get; init; }

        public Queue<(string Database, Guid Plan)> RestoreRequests { get; init; } = [];

        public Queue<(string Database, Guid Restore)> SwapBacks { get; init; } = [];

        public string MigrationShown { get; init; } = "";

        public Guid MigrationRunId { get; init; }

        public Queue<string> MigrationRehearsals { get; init; } = [];

        public Queue<string> MigrationApplies { get; init; } = [];

        public Queue<string> MigrationUndos { get; init; } = [];

        public Queue<string> RotatedRings { get; init; } = [];

        public Queue<(string Ring, string Kid)> RevocableKeys { get; init; } = [];

        public T Next<T>(Queue<T> pool) => pool.Dequeue();

        /// <summary>The console database, for <see cref="WaitUntilIdle"/>.</summary>
        public string ConnectionString { get; init; } = "";

        /// <summary>Blocks (the matrix builds requests synchronously) until no operation on <paramref name="target"/> is active, for at most 30 s.</summary>
        public void WaitUntilIdle(string target)
        {
            using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
            connection.Open();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM console.operations WHERE target = @t AND state IN ('Queued', 'AwaitingApproval', 'Running')", connection);
                command.Parameters.AddWithValue("t", target);
                if ((long)command.ExecuteScalar()! == 0)
                {
                    return;
                }

                Assert.True(DateTime.UtcNow < deadline, $"operations on {target} still active after 30 s");
                Thread.Sleep(50);
            }
        }

        /// <summary>A live session of the user making the next call (a random id for anonymous calls).</summary>
        public Guid CallerSessionId { get; set; }

        public string UniqueName() => $"matrix-new-{Interlocked.Increment(ref _names)}";

        public HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

        public HttpRequestMessage Post(string path) => new(HttpMethod.Post, path);

        public HttpRequestMessage Json(HttpMethod method, string path, object body) =>
            new(method, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
    }

    [Fact]
    public async Task Every_operation_answers_every_role_as_the_matrix_says()
    {
        var operations = await OperationsAsync();
        Assert.NotEmpty(operations);
        var missing = operations.Where(o => !Matrix.ContainsKey(o)).ToList();
        Assert.True(missing.Count == 0, $"operations without a role matrix entry: {string.Join(", ", missing)}");
        var (tokens, context) = await ArrangeAsync();

        using var client = Console.CreateClient();
        var surprises = new List<string>();
        foreach (var operation in operations)
        {
            var (roles, build) = Matrix[operation];
            context.CallerSessionId = Guid.NewGuid();
            using (var anonymous = await client.SendAsync(build(context)))
            {
                Expect(anonymous, expectSuccess: false, HttpStatusCode.Unauthorized, $"{operation} anonymous", surprises);
            }

            foreach (var role in ConsoleRoles.All)
            {
                context.CallerSessionId = await NewSessionAsync($"matrix-{role.ToLowerInvariant()}");
                using var request = build(context);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[role]);
                using var response = await client.SendAsync(request);
                var allowed = roles.Contains(role, StringComparer.Ordinal);
                Expect(response, allowed, HttpStatusCode.Forbidden, $"{operation} as {role}", surprises);
            }
        }

        Assert.True(surprises.Count == 0, string.Join(Environment.NewLine, surprises));
    }

    private async Task<(Dictionary<string, string> Tokens, MatrixContext Context)> ArrangeAsync()
    {
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in ConsoleRoles.All)
        {
            tokens[role] = await Console.CreateTokenForNewUserAsync($"matrix-{role.ToLowerInvariant()}", role);
        }

        // The stats endpoint answers 503 until the first sample; wait for it rather than racing the sampler.
        await WaitForFirstSampleAsync(tokens[ConsoleRoles.Admin]);
        await Console.CreateUserAsync("matrix-target", ConsoleRoles.Viewer);
        string targetId;
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            targetId = (await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("matrix-target"))!.Id;
        }

        // Someone else's token, of a user the matrix never disables or resets: both revoke every token of the account.
        Guid targetTokenId;
        await Console.CreateUserAsync("matrix-token-owner", ConsoleRoles.Viewer);
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var owner = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("matrix-token-owner");
            targetTokenId = (await scope.ServiceProvider.GetRequiredService<ApiTokenService>().CreateAsync(owner!, "target", TimeSpan.FromHours(1), null)).Token.Id;
        }

        Guid targetDisplayId;
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            targetDisplayId = (await scope.ServiceProvider.GetRequiredService<DisplayDeviceService>()
                .CreateAsync(TestPrincipals.Of("admin", ConsoleRoles.Admin), "matrix-display")).Device.Id;
        }

        await using (var scope = Console.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(
                new AuditEntry(AuditActors.System, "backups.matrix_probe", "backup", "matrix", AuditOutcome.Succeeded));
        }

        var auditSequence = (await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'backups.matrix_probe'")).Sequence;
        string auditExportId;
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            auditExportId = (await scope.ServiceProvider.GetRequiredService<AuditExportService>()
                .CreateAsync(TestPrincipals.Of("matrix-exporter", ConsoleRoles.Sre), AuditQuery.None, "csv")).Id;
        }

        await Console.IngestAsync(
            Alerts.AlertTesting.Ingested("MatrixAlert", AlertState.Firing, DateTimeOffset.UtcNow, ("job", "matrix")),
            Alerts.AlertTesting.Ingested("MatrixResolvable", AlertState.Firing, DateTimeOffset.UtcNow, ("job", "matrix")));
        Guid silenceId, extendableSilenceId;
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var silences = scope.ServiceProvider.GetRequiredService<SilenceService>();
            var sre = TestPrincipals.Of("matrix-silencer", ConsoleRoles.Sre);
            var request = new SilenceRequest([new SilenceMatcher("job", "=", "matrix-none")], null, null, TimeSpan.FromHours(1), "matrix");
            silenceId = (await silences.CreateAsync(sre, request)).Silence.Id;
            extendableSilenceId = (await silences.CreateAsync(sre, request)).Silence.Id;
        }

        var awaiting = new Queue<Guid>();
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var operations = scope.ServiceProvider.GetRequiredService<OperationService>();
            var requester = TestPrincipals.Of("matrix-requester", ConsoleRoles.Sre);
            var perOperation = ConsoleRoles.All.Count + 1;
            for (var i = 0; i < 4 * perOperation; i++)
            {
                awaiting.Enqueue((await operations.RequestAsync(requester, new OperationRequest(GateOperation.KindName, $"matrix:{i}", $"Matrix {i}", NeedsApproval: true))).Id);
            }
        }

        var perCall = ConsoleRoles.All.Count + 1;
        var backups = await MatrixBackups.ArrangeAsync(Console, [.. Enumerable.Range(2 * perCall, perCall).Select(i => $"m{i:00}")], [.. Enumerable.Range(3 * perCall, perCall).Select(i => $"m{i:00}")]);
        var restoreDatabases = Enumerable.Range(4 * perCall, perCall).Select(i => $"m{i:00}").ToList();
        await MatrixBackups.ArrangeAsync(Console, restoreDatabases, []);
        var (planId, plans) = await MatrixBackups.PlanAsync(Console, Shown, restoreDatabases);
        var (restoreId, swapBacks) = await MatrixBackups.RestoredAsync(Console, Shown, [.. Enumerable.Range(5 * perCall, perCall).Select(i => $"m{i:00}")]);
        var rehearsals = Enumerable.Range(0, perCall).Select(i => $"g{i:00}").ToList();
        await MatrixBackups.ArrangeAsync(Console, rehearsals, []);
        var migrationRunId = await ArrangeMigrationsAsync();
        var revocable = await ArrangeKeysAsync();
        var context = new MatrixContext(targetId, targetTokenId, targetDisplayId)
        {
            BackupDatabases = new([.. Enumerable.Range(0, perCall).Select(i => $"m{i:00}")]),
            DrillDatabases = new([.. Enumerable.Range(perCall, perCall).Select(i => $"m{i:00}")]),
            VerifiableBackups = new(backups.Newest),
            DeletableBackups = new(backups.Older),
            DownloadableBackup = backups.Newest[0],
            PlanId = planId,
            RestoreId = restoreId,
            RestoreRequests = new(plans),
            SwapBacks = new(swapBacks),
            MigrationShown = MigrationShown,
            MigrationRunId = migrationRunId,
            MigrationRehearsals = new(rehearsals),
            MigrationApplies = new([.. Enumerable.Range(perCall, perCall).Select(i => $"g{i:00}")]),
            MigrationUndos = new([.. Enumerable.Range(2 * perCall, perCall).Select(i => $"g{i:00}")]),
            RotatedRings = new(RotatedRings),
            ConnectionString = Postgres.SharedConnectionString,
            RevocableKeys = new(revocable),
            OperationId = awaiting.Peek(),
            AwaitingOperations = awaiting,
            AuditSequence = auditSequence,
            AuditExportId = auditExportId,
            AlertId = await Alerts.AlertTesting.AlertIdAsync(Postgres.SharedConnectionString, "MatrixAlert"),
            ResolvableAlertId = await Alerts.AlertTesting.AlertIdAsync(Postgres.SharedConnectionString, "MatrixResolvable"),
            SilenceId = silenceId,
            ExtendableSilenceId = extendableSilenceId,
        };
        return (tokens, context);
    }

    /// <summary>Applies V1 to the migrations' real database (as another tool would) and requests an apply of V2 on the shown database: its run is read.</summary>
    private async Task<Guid> ArrangeMigrationsAsync()
    {
        using var context = new RecordingOperationContext();
        var v1 = MigrationFiles.Read(_migrationFolder!.FullName).Migrations[0];
        var outcome = Assert.Single(await MigrationRunner.RunAsync(
            new Npgsql.NpgsqlConnectionStringBuilder(_migrationDatabase), [v1],
            new MigrationRunSettings(TimeSpan.FromSeconds(5), TimeSpan.Zero, "matrix", null, "matrix setup"), context));
        Assert.True(outcome.Succeeded, outcome.Error);
        await using var scope = Console.Services.CreateAsyncScope();
        var requested = await scope.ServiceProvider.GetRequiredService<MigrationService>().ApplyAsync(TestPrincipals.Of("matrix-requester", ConsoleRoles.Sre), MigrationShown);
        Assert.Equal(OperationState.AwaitingApproval, requested.State);
        return requested.Id;
    }

    /// <summary>Waits for every ring's first key, then gives each r ring a pending key (a rotation stored directly, no operation).</summary>
    private async Task<IReadOnlyList<(string Ring, string Kid)>> ArrangeKeysAsync()
    {
        using (var client = Console.CreateClient())
        {
            await Keys.SigningKeyTests.WaitForKeysAsync(client, "/.well-known/jwks.json", KeyRings.Count());
        }

        var pending = new List<(string, string)>();
        await using var scope = Console.Services.CreateAsyncScope();
        var rings = scope.ServiceProvider.GetRequiredService<ConfiguredKeyRings>();
        var store = scope.ServiceProvider.GetRequiredService<KeyRingStore>();
        foreach (var ring in RevokedRings)
        {
            var change = await store.RotateAsync(rings.Find(ring)!, immediate: false, new KeyChangeCause("matrix"));
            pending.Add((ring, change!.NewKid!));
        }

        return pending;
    }

    private async Task<Guid> NewSessionAsync(string userName)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync(userName);
        return (await scope.ServiceProvider.GetRequiredService<UserSessionService>().StartAsync(user!, "127.0.0.1", "matrix")).Id;
    }

    private static void Expect(HttpResponseMessage response, bool expectSuccess, HttpStatusCode refusal, string what, List<string> surprises)
    {
        if (expectSuccess)
        {
            if (!response.IsSuccessStatusCode)
            {
                surprises.Add($"{what}: expected 2xx, got {(int)response.StatusCode}");
            }

            return;
        }

        if (response.StatusCode != refusal)
        {
            surprises.Add($"{what}: expected {(int)refusal}, got {(int)response.StatusCode}");
        }
        else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            surprises.Add($"{what}: {(int)refusal} without a problem+json body");
        }
    }

    private async Task<List<string>> OperationsAsync()
    {
        using var client = Console.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var operations = new List<string>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                operations.Add($"{method.Name.ToUpperInvariant()} {path.Name}");
            }
        }

        return operations;
    }

    private async Task WaitForFirstSampleAsync(string token)
    {
        using var client = Console.CreateClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/system/stats");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request, cts.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(100, cts.Token);
        }
    }
}
