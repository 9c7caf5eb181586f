using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Keys;

/// <summary>
/// The console's own keys: the audit checkpoint signing key rotated as an operation (checkpoints signed before it still
/// verify, on every instance the next checkpoint uses the new key) and Data Protection's key ring shown read-only.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConsoleKeysTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Rotating_the_audit_checkpoint_key_keeps_old_checkpoints_verifying_and_both_instances_sign_with_the_new_key()
    {
        var database = await postgres.CreateEmptyDatabaseAsync();
        var consoles = await Task.WhenAll(TestConsole.StartAsync(database), TestConsole.StartAsync(database));
        var (a, b) = (consoles[0], consoles[1]);
        try
        {
            var admin = TestPrincipals.Of("admin-ada", ConsoleRoles.Admin);
            var first = await CheckpointAsync(a, admin);
            var oldKey = first.KeyId;
            Assert.Equal(oldKey, (await CheckpointAsync(b, admin)).KeyId); // both instances sign with the one key

            var sreToken = await a.CreateTokenForNewUserAsync("sre-sam", ConsoleRoles.Sre);
            using var http = a.CreateClient();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sreToken);
            using var response = await http.PostAsync(new Uri("/api/v1/console-keys/audit-checkpoint/rotate", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            OperationView? done = null;
            await AlertTesting.WaitUntilAsync(async () =>
            {
                await using var scope = a.Services.CreateAsyncScope();
                done = await scope.ServiceProvider.GetRequiredService<OperationService>().GetAsync(admin, id);
                return done!.IsFinal;
            }, "the rotation to finish", TimeSpan.FromSeconds(60));
            Assert.True(done!.State == OperationState.Succeeded, done.Error);

            using var keys = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/console-keys", UriKind.Relative)));
            var auditKeys = keys.RootElement.GetProperty("auditCheckpointKeys").EnumerateArray().ToList();
            Assert.Equal(2, auditKeys.Count);
            var newKey = auditKeys[0].GetProperty("id").GetString()!;
            Assert.NotEqual(oldKey, newKey);
            Assert.Equal((oldKey, 2), (auditKeys[1].GetProperty("id").GetString(), auditKeys[1].GetProperty("checkpoints").GetInt32()));
            Assert.Equal(1, auditKeys[0].GetProperty("checkpoints").GetInt32()); // the operation's own checkpoint
            var dataProtection = keys.RootElement.GetProperty("dataProtection");
            Assert.True(dataProtection.GetProperty("keys").GetInt32() >= 1);
            Assert.Equal(JsonValueKind.String, dataProtection.GetProperty("currentKeyId").ValueKind);

            // The other instance heard of the rotation: its next checkpoint is signed with the new key.
            await AuditLog.WaitForAsync(database, "action = 'keys.audit_key_rotated'");
            await AlertTesting.WaitUntilAsync(async () => (await b.Services.GetRequiredService<AuditSigningKeyStore>().GetCurrentAsync()).KeyId == newKey,
                "the second instance to sign with the new key", TimeSpan.FromSeconds(10));
            Assert.Equal(newKey, (await CheckpointAsync(b, admin)).KeyId);

            // The whole log and every checkpoint, old key and new, verify.
            await using var verifyScope = a.Services.CreateAsyncScope();
            var result = await verifyScope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync();
            Assert.True(result.Ok, result.ToString());
            Assert.Equal(4, result.CheckpointsChecked);
        }
        finally
        {
            foreach (var console in consoles)
            {
                await console.DisposeAsync();
            }
        }
    }

    private static async Task<AuditCheckpoint> CheckpointAsync(TestConsole console, System.Security.Claims.ClaimsPrincipal actor)
    {
        // Something new to cover, then a checkpoint.
        await using var scope = console.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(new AuditEntry(AuditActors.System, "keys.test_probe", "test", Guid.NewGuid().ToString(), AuditOutcome.Succeeded));
        AuditCheckpoint? checkpoint = null;
        await AlertTesting.WaitUntilAsync(async () =>
        {
            await using var inner = console.Services.CreateAsyncScope();
            checkpoint = await inner.ServiceProvider.GetRequiredService<AuditCheckpointService>().CreateAsync(actor);
            return checkpoint is not null;
        }, "a checkpoint", TimeSpan.FromSeconds(30));
        return checkpoint!;
    }
}
