using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Audit;

/// <summary>The durable audit log on a real PostgreSQL: one chain, append-only for the console's role, fail-closed.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditLogTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    [Fact]
    public async Task An_api_action_is_recorded_with_actor_roles_target_address_and_correlation_id_on_an_intact_chain()
    {
        var adminToken = await Console.CreateTokenForNewUserAsync("audit-admin", ConsoleRoles.Admin);
        using var admin = Console.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);

        using var created = await admin.PostAsJsonAsync("/api/v1/users", new { userName = "audited-user", role = "Viewer" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var correlationId = created.Headers.GetValues("X-Correlation-Id").Single();

        var record = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'identity.user.created'");
        Assert.Equal(AuditActorType.Token, record.ActorType);
        Assert.Equal("audit-admin", record.ActorName);
        Assert.Equal(["Admin"], record.ActorRoles);
        Assert.Equal("user", record.TargetType);
        Assert.Equal(AuditOutcome.Succeeded, record.Outcome);
        Assert.Equal("127.0.0.1", record.ClientIp);
        Assert.Equal(correlationId, record.CorrelationId);
        Assert.Equal("audit-admin-token", AuditCanonical.ParseDetails(record.Details)["token"]);
        await AuditLog.AssertChainIntactAsync(Postgres.SharedConnectionString);
    }

    [Fact]
    public async Task The_consoles_role_cannot_update_delete_or_truncate_records_and_neither_can_anyone_while_the_triggers_fire()
    {
        await Console.CreateUserAsync("someone", ConsoleRoles.Viewer);
        await RecordDirectlyAsync(1);
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'test.direct'");

        foreach (var connectionString in new[] { PostgresFixture.AsRuntimeRole(Postgres.SharedConnectionString), Postgres.SharedConnectionString })
        {
            // Named, as the console's own pools are: MetricsTests checks no pool of the runtime role is labelled by its connection string.
            await using var connection = Core.Data.NamedDataSources.CreateConnection(connectionString, "test-audit-log");
            await connection.OpenAsync();
            foreach (var sql in new[]
                     {
                         "UPDATE console.audit_log SET reason = 'edited'",
                         "DELETE FROM console.audit_log",
                         "TRUNCATE console.audit_log",
                     })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState); // permission denied, or the trigger
            }
        }

        await AuditLog.AssertChainIntactAsync(Postgres.SharedConnectionString);
    }

    [Fact]
    public async Task No_audit_no_action_when_the_record_cannot_be_written_the_change_is_rolled_back_and_the_caller_told()
    {
        var adminToken = await Console.CreateTokenForNewUserAsync("audit-admin", ConsoleRoles.Admin);
        using var admin = Console.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        await ExecuteAsSuperuserAsync($"REVOKE INSERT ON console.audit_inbox FROM {Core.Data.ConsoleRuntimeRole.EmbeddedRoleName}");
        try
        {
            using var refused = await admin.PostAsJsonAsync("/api/v1/users", new { userName = "never-created", role = "Viewer" });

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("audit log cannot be written", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await ExecuteAsSuperuserAsync($"GRANT INSERT ON console.audit_inbox TO {Core.Data.ConsoleRuntimeRole.EmbeddedRoleName}");
        }

        await using var scope = Console.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("never-created"));
    }

    [Fact]
    public async Task The_chain_writer_recovers_from_a_batch_that_failed_inside_its_transaction()
    {
        await RecordDirectlyAsync(6); // the writer's statements are auto-prepared on its pooled connection by now
        await ExecuteAsSuperuserAsync($"REVOKE INSERT ON console.audit_log FROM {Core.Data.ConsoleRuntimeRole.EmbeddedRoleName}");
        try
        {
            // The head's row lock succeeds, then the COPY is refused: the transaction fails half way and rolls back.
            await Assert.ThrowsAnyAsync<Exception>(() => RecordDirectlyAsync(1));
        }
        finally
        {
            await ExecuteAsSuperuserAsync($"GRANT INSERT ON console.audit_log TO {Core.Data.ConsoleRuntimeRole.EmbeddedRoleName}");
        }

        // The writer starts a fresh pool after a failed batch (npgsql#6391); this checks the chain goes on intact after it.
        await RecordDirectlyAsync(6);
        await AuditLog.WaitForCountAsync(Postgres.SharedConnectionString, "action = 'test.direct'", 12);
        await AuditLog.AssertChainIntactAsync(Postgres.SharedConnectionString);
    }

    [Fact]
    public async Task Two_hosts_writing_at_once_build_one_unforked_chain()
    {
        await using var second = await TestConsole.StartAsync(Postgres.SharedConnectionString);
        await second.WaitForReadinessAsync();

        await Task.WhenAll(
            RecordDirectlyAsync(300, Console),
            RecordDirectlyAsync(300, second),
            RecordDirectlyAsync(300, Console),
            RecordDirectlyAsync(300, second));

        await AuditLog.WaitForCountAsync(Postgres.SharedConnectionString, "action = 'test.direct'", 1200);
        var checkedRecords = await AuditLog.AssertChainIntactAsync(Postgres.SharedConnectionString);
        Assert.True(checkedRecords >= 1200);
    }

    [Fact]
    public async Task Denials_made_while_the_database_is_down_are_spooled_and_written_in_order_when_it_returns()
    {
        using var anonymous = Console.CreateClient();
        await Postgres.Server.StopServerAsync();
        try
        {
            foreach (var path in new[] { "/api/v1/users?spool=1", "/api/v1/users?spool=2", "/api/v1/users?spool=3" })
            {
                using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode); // the denial is still answered
            }

            // A sign-in attempt during the outage is refused with a message, and kept as a failed sign-in.
            var loginPage = await anonymous.GetStringAsync(new Uri("/account/login", UriKind.Relative));
            Assert.Contains("Sign in", loginPage, StringComparison.Ordinal);
            using (var signIn = await ConsoleSession.PostFormAsync(anonymous, "/account/login", "login", new()
            {
                ["Input.UserName"] = "someone-during-outage",
                ["Input.Password"] = "whatever it was",
            }))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
                Assert.Contains("database is unavailable", await signIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            var spool = Console.Services.GetRequiredService<AuditSpool>();
            // The replayer may already have moved the first lines aside for a (failing) attempt: count both files.
            Assert.Equal(4, spool.Pending);
        }
        finally
        {
            await Postgres.Server.StartServerAsync();
            NpgsqlConnection.ClearAllPools();
            OpsConsole.Core.Data.NamedDataSources.ClearAll();
        }

        var records = await AuditLog.WaitForCountAsync(Postgres.SharedConnectionString, "action = 'access.unauthenticated' AND target_id LIKE 'GET /api/v1/users%'", 3);
        var outageSignIn = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'identity.signin.local'");
        Assert.Equal("the console's database is unavailable", outageSignIn.Reason);
        Assert.True(outageSignIn.Sequence > records.Max(r => r.Sequence)); // written in the order it happened
        Assert.Equal(records.OrderBy(r => r.Sequence).Select(r => r.OccurredAt), records.OrderBy(r => r.OccurredAt).Select(r => r.OccurredAt));
        await AuditLog.AssertChainIntactAsync(Postgres.SharedConnectionString);
    }

    private Task RecordDirectlyAsync(int count) => RecordDirectlyAsync(count, Console);

    private static async Task RecordDirectlyAsync(int count, TestConsole console)
    {
        for (var i = 0; i < count; i++)
        {
            await using var scope = console.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(
                new AuditEntry(AuditActors.System, "test.direct", "test", i.ToString(System.Globalization.CultureInfo.InvariantCulture), AuditOutcome.Succeeded));
        }
    }

    private async Task ExecuteAsSuperuserAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Postgres.SharedConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
