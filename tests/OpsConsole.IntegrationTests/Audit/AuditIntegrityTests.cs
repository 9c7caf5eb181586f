using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Audit;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Audit;

/// <summary>
/// Verification and signed checkpoints on a real PostgreSQL: a clean log verifies with exact counts, and each kind of
/// tampering a superuser can do (with the append-only triggers bypassed in replica mode) is named at its sequence.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditIntegrityTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Auditor = TestPrincipals.Of("auditor", ConsoleRoles.Auditor);
    private bool _consoleDisposed;

    [Fact]
    public async Task A_clean_log_with_varied_records_verifies_ok_with_exact_counts_and_the_verification_is_audited()
    {
        await RecordVariedAsync(Console, 300);
        var checkpoint = await CreateCheckpointAsync(Console);
        Assert.NotNull(checkpoint);
        await RecordVariedAsync(Console, 20);
        var records = await CountRecordsAsync();

        var result = await VerifyAsync(Console);

        Assert.True(result.Ok, result.Summary);
        Assert.Equal(records, result.RecordsChecked);
        Assert.Equal(1, result.CheckpointsChecked);
        Assert.Null(result.FirstBrokenSequence);

        var verified = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'audit.verified'");
        Assert.Equal(AuditOutcome.Succeeded, verified.Outcome);
        Assert.Equal("auditor", verified.ActorName);
        var details = AuditCanonical.ParseDetails(verified.Details);
        Assert.Equal(records.ToString(CultureInfo.InvariantCulture), details["recordsChecked"]);
        Assert.Equal("manual", details["trigger"]);

        var created = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'audit.checkpoint.created'");
        Assert.Equal(checkpoint.Number.ToString(CultureInfo.InvariantCulture), created.TargetId);
        Assert.Equal(checkpoint.LastSequence.ToString(CultureInfo.InvariantCulture), AuditCanonical.ParseDetails(created.Details)["lastSequence"]);
    }

    [Fact]
    public async Task An_edited_record_is_named_with_content_changed_and_raises_the_critical_alert()
    {
        await RecordVariedAsync(Console, 50);
        await TamperAsync("UPDATE console.audit_log SET reason = 'nothing to see here' WHERE sequence = 17");

        var result = await VerifyAsync(Console);

        Assert.False(result.Ok);
        Assert.Equal(17, result.FirstBrokenSequence);
        Assert.Equal(AuditIntegrityProblem.ContentChanged, result.Problem);
        Assert.Contains("content changed", result.Reason, StringComparison.Ordinal);
        Assert.Equal(16, result.RecordsChecked);

        // Audit publishes the result; Alerts raises the alert from the live topic, so it arrives just after.
        var board = Console.Services.GetRequiredService<ConsoleAlertBoard>();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (board.Find(AuditIntegrityService.AlertName) is null)
            {
                await Task.Delay(20, cts.Token);
            }
        }

        var alert = board.Find(AuditIntegrityService.AlertName);
        Assert.NotNull(alert);
        Assert.Equal(ConsoleAlertSeverity.Critical, alert.Severity);
        var verified = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'audit.verified'");
        Assert.Equal(AuditOutcome.Failed, verified.Outcome);
        Assert.Equal("17", AuditCanonical.ParseDetails(verified.Details)["firstBrokenSequence"]);
        Assert.Contains("content changed", verified.Reason, StringComparison.Ordinal);
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'console.alert.raised'");
    }

    [Fact]
    public async Task A_deleted_middle_record_is_reported_missing_at_its_sequence()
    {
        await RecordVariedAsync(Console, 50);
        await TamperAsync("DELETE FROM console.audit_log WHERE sequence = 23");

        var result = await VerifyAsync(Console);

        Assert.Equal((false, 23L, AuditIntegrityProblem.RecordMissing), (result.Ok, result.FirstBrokenSequence, result.Problem));
        Assert.Contains("record missing", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_newest_records_after_a_checkpoint_is_reported()
    {
        await RecordVariedAsync(Console, 40);
        var checkpoint = await CreateCheckpointAsync(Console);
        Assert.NotNull(checkpoint);
        await Console.Services.GetRequiredService<AuditChainWriter>().DrainAsync(CancellationToken.None); // its own record, #41
        await TamperAsync("""
            DELETE FROM console.audit_log WHERE sequence > 30;
            UPDATE console.audit_chain_head SET last_sequence = 30, last_hash = (SELECT hash FROM console.audit_log WHERE sequence = 30);
            """);

        var result = await VerifyAsync(Console);

        Assert.False(result.Ok);
        Assert.Equal(AuditIntegrityProblem.NewestRecordsMissing, result.Problem);
        Assert.Equal(31, result.FirstBrokenSequence);
        Assert.Equal(checkpoint.Number, result.BrokenCheckpoint);
        Assert.Contains("records after the last checkpoint missing", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupted_checkpoint_signature_is_reported()
    {
        await RecordVariedAsync(Console, 10);
        await CreateCheckpointAsync(Console);
        await RecordVariedAsync(Console, 10);
        var second = await CreateCheckpointAsync(Console);
        Assert.Equal(2, second!.Number);
        await TamperAsync("UPDATE console.audit_checkpoints SET signature = set_byte(signature, 3, get_byte(signature, 3) # 255) WHERE number = 2");

        var result = await VerifyAsync(Console);

        Assert.False(result.Ok);
        Assert.Equal(AuditIntegrityProblem.CheckpointSignatureInvalid, result.Problem);
        Assert.Equal(2, result.BrokenCheckpoint);
        Assert.Contains("checkpoint signature invalid", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoints_are_skipped_when_nothing_is_new_and_chain_numbers_and_hashes()
    {
        await RecordVariedAsync(Console, 5);
        var first = await CreateCheckpointAsync(Console);
        await Console.Services.GetRequiredService<AuditChainWriter>().DrainAsync(CancellationToken.None);
        Assert.Null(await CreateCheckpointAsync(Console)); // only the first checkpoint's own audit record is new
        await RecordVariedAsync(Console, 1);
        var second = await CreateCheckpointAsync(Console);

        Assert.Equal(1, first!.Number);
        Assert.Equal(2, second!.Number);
        Assert.Equal(first.Hash, second.PreviousCheckpointHash);
        Assert.Equal(first.KeyId, second.KeyId);
        Assert.True((await VerifyAsync(Console)).Ok);
    }

    [Fact]
    public async Task Two_instances_writing_checkpoints_at_once_keep_one_chain_with_one_signing_key()
    {
        await using var second = await TestConsole.StartAsync(Postgres.SharedConnectionString);
        await second.WaitForReadinessAsync();

        for (var round = 0; round < 8; round++)
        {
            await Task.WhenAll(RecordVariedAsync(Console, 5), RecordVariedAsync(second, 5));
            await Task.WhenAll(CreateCheckpointAsync(Console), CreateCheckpointAsync(second), CreateCheckpointAsync(Console), CreateCheckpointAsync(second));
        }

        var checkpoints = await ReadCheckpointsAsync();
        Assert.Equal(Enumerable.Range(1, checkpoints.Count).Select(n => (long)n), checkpoints.Select(c => c.Number));
        Assert.InRange(checkpoints.Count, 8, 32);
        for (var i = 1; i < checkpoints.Count; i++)
        {
            Assert.Equal(checkpoints[i - 1].Hash, checkpoints[i].PreviousCheckpointHash);
            Assert.True(checkpoints[i].LastSequence >= checkpoints[i - 1].LastSequence);
        }

        Assert.Single(checkpoints.Select(c => c.KeyId).Distinct());
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM console.audit_signing_keys WHERE length(public_key) > 0"));
        var result = await VerifyAsync(second);
        Assert.True(result.Ok, result.Summary);
        Assert.Equal(checkpoints.Count, result.CheckpointsChecked);
    }

    [Fact]
    public async Task The_signing_key_survives_a_console_restart()
    {
        await RecordVariedAsync(Console, 3);
        var before = await CreateCheckpointAsync(Console);
        await Console.DisposeAsync();
        _consoleDisposed = true;

        await using var restarted = await TestConsole.StartAsync(Postgres.SharedConnectionString);
        await restarted.WaitForReadinessAsync();
        await RecordVariedAsync(restarted, 3);
        var after = await CreateCheckpointAsync(restarted);

        Assert.Equal(before!.KeyId, after!.KeyId);
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM console.audit_signing_keys WHERE length(public_key) > 0"));
        Assert.True((await VerifyAsync(restarted)).Ok);
    }

    [Fact]
    public async Task The_api_verifies_and_writes_checkpoints_for_auditors_and_refuses_other_roles()
    {
        await RecordVariedAsync(Console, 10);
        var auditorToken = await Console.CreateTokenForNewUserAsync("api-auditor", ConsoleRoles.Auditor);
        using var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", auditorToken);

        using (var created = await client.PostAsync(new Uri("/api/v1/audit/checkpoints", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = await created.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(body.GetProperty("created").GetBoolean());
            Assert.Equal(1, body.GetProperty("checkpoint").GetProperty("number").GetInt64());
        }

        await Console.Services.GetRequiredService<AuditChainWriter>().DrainAsync(CancellationToken.None);
        using (var again = await client.PostAsync(new Uri("/api/v1/audit/checkpoints", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode); // nothing new but its own record
            Assert.False((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("created").GetBoolean());
        }

        var list = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/audit/checkpoints", UriKind.Relative));
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal(64, list[0].GetProperty("hash").GetString()!.Length);

        var verification = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/audit/verify", UriKind.Relative));
        Assert.True(verification.GetProperty("ok").GetBoolean());
        Assert.True(verification.GetProperty("recordsChecked").GetInt64() >= 11);
        Assert.Equal(1, verification.GetProperty("checkpointsChecked").GetInt64());

        foreach (var role in new[] { ConsoleRoles.Viewer, ConsoleRoles.Sre, ConsoleRoles.OnCall })
        {
            var token = await Console.CreateTokenForNewUserAsync($"api-{role.ToLowerInvariant()}", role);
            foreach (var (method, path) in new[] { (HttpMethod.Get, "/api/v1/audit/verify"), (HttpMethod.Get, "/api/v1/audit/checkpoints"), (HttpMethod.Post, "/api/v1/audit/checkpoints") })
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        await Assert.ThrowsAsync<UnauthorizedAccessException>(async () =>
        {
            await using var scope = Console.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IAuditIntegrity>().VerifyAsync(TestPrincipals.Of("viewer", ConsoleRoles.Viewer), null);
        });
    }

    [Fact]
    public async Task Pseudonyms_are_keyed_stable_across_instances_and_restarts_and_do_not_disturb_the_signing_key()
    {
        var first = Console.Services.GetRequiredService<AuditPseudonymizer>();
        var alice = first.Pseudonymize("email", "alice@example.com");
        await using var second = await TestConsole.StartAsync(Postgres.SharedConnectionString);
        await second.WaitForReadinessAsync();
        var other = second.Services.GetRequiredService<AuditPseudonymizer>();

        Assert.Matches("^hmac:v1:[0-9a-f]{64}$", alice);
        Assert.Equal(alice, other.Pseudonymize("email", "alice@example.com"));
        Assert.NotEqual(alice, other.Pseudonymize("email", "bob@example.com"));
        Assert.NotEqual(alice, other.Pseudonymize("customer-id", "alice@example.com"));
        Assert.DoesNotContain("alice", alice, StringComparison.Ordinal);
        Assert.Equal(1, await ScalarAsync<long>($"SELECT count(*) FROM console.audit_signing_keys WHERE id = '{AuditPseudonymizer.KeyId}' AND length(public_key) = 0"));

        await RecordVariedAsync(Console, 2);
        var checkpoint = await CreateCheckpointAsync(Console);
        Assert.NotEqual(AuditPseudonymizer.KeyId, checkpoint!.KeyId);
        Assert.True((await VerifyAsync(second)).Ok);

        await Console.DisposeAsync();
        _consoleDisposed = true;
        await using var restarted = await TestConsole.StartAsync(Postgres.SharedConnectionString);
        Assert.Equal(alice, restarted.Services.GetRequiredService<AuditPseudonymizer>().Pseudonymize("email", "alice@example.com"));
    }

    public override async Task DisposeAsync()
    {
        if (!_consoleDisposed)
        {
            await base.DisposeAsync();
        }
    }

    private static async Task<AuditVerificationResult> VerifyAsync(TestConsole console)
    {
        await using var scope = console.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IAuditIntegrity>().VerifyAsync(Auditor, null);
    }

    private static async Task<AuditCheckpoint?> CreateCheckpointAsync(TestConsole console)
    {
        await console.Services.GetRequiredService<AuditChainWriter>().DrainAsync(CancellationToken.None);
        await using var scope = console.Services.CreateAsyncScope();
        var creation = await scope.ServiceProvider.GetRequiredService<IAuditIntegrity>().CreateCheckpointAsync(Auditor);
        return creation.Created ? creation.Checkpoint : null;
    }

    /// <summary>Records with awkward content (escapes, non-ASCII, nulls, details), chained before returning.</summary>
    internal static async Task RecordVariedAsync(TestConsole console, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await using var scope = console.Services.CreateAsyncScope();
            var actor = (i % 3) switch
            {
                0 => AuditActors.System,
                1 => TestPrincipals.Of($"user \"{i}\" é", i % 2 == 0 ? ConsoleRoles.Admin : ConsoleRoles.Sre),
                _ => TestPrincipals.Of("😀 ops\n", ConsoleRoles.Auditor),
            };
            var details = new Dictionary<string, string?>
            {
                ["n"] = i.ToString(CultureInfo.InvariantCulture),
                ["text"] = i % 4 == 0 ? "quote \" backslash \\ tab \t ctl \u0001" : "日本語 ü",
                ["empty"] = i % 5 == 0 ? null : "",
                ["clé"] = i % 7 == 0 ? "non-ASCII key" : null,
            };
            await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(
                new AuditEntry(actor, "test.varied", "test", i.ToString(CultureInfo.InvariantCulture), i % 6 == 0 ? AuditOutcome.Denied : AuditOutcome.Succeeded,
                    details, i % 2 == 0 ? null : "a reason"));
        }

        await console.Services.GetRequiredService<AuditChainWriter>().DrainAsync(CancellationToken.None);
    }

    /// <summary>As the superuser, with the append-only triggers bypassed (replica mode): what an attacker with the keys could do.</summary>
    private async Task TamperAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Postgres.SharedConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SET session_replication_role = replica; {sql.Trim().TrimEnd(';')}; RESET session_replication_role;", connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> CountRecordsAsync() => await ScalarAsync<long>("SELECT count(*) FROM console.audit_log");

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(Postgres.SharedConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<AuditCheckpoint>> ReadCheckpointsAsync()
    {
        await using var connection = new NpgsqlConnection(Postgres.SharedConnectionString);
        await connection.OpenAsync();
        return await AuditCheckpointStore.ReadAllAsync(connection, CancellationToken.None);
    }
}
