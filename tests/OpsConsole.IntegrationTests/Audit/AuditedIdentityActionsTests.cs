using System.Net;
using System.Net.Http.Headers;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Audit;

/// <summary>The identity actions the issue names each leave a record, with the right actor and outcome.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditedIdentityActionsTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    [Fact]
    public async Task Sign_ins_failed_sign_ins_password_changes_sign_outs_and_tokens_are_recorded()
    {
        var (client, _) = await Console.SignInNewUserAsync("audited-sre", ConsoleRoles.Sre);
        using (var wrong = await ConsoleSession.PostFormAsync(Console.CreateClient(), "/account/login", "login", new()
        {
            ["Input.UserName"] = "audited-sre",
            ["Input.Password"] = "not the password at all",
        }))
        {
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        var token = await Console.CreateTokenAsync("audited-sre");
        using (var api = Console.CreateClient())
        {
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var tokens = await api.GetStringAsync(new Uri("/api/v1/tokens", UriKind.Relative));
            var id = System.Text.Json.JsonDocument.Parse(tokens).RootElement[0].GetProperty("id").GetString();
            using var revoked = await api.DeleteAsync(new Uri($"/api/v1/tokens/{id}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        using (client)
        using (var logout = await ConsoleSession.SignOutAsync(client))
        {
            Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        }

        var connection = Postgres.SharedConnectionString;
        var success = await AuditLog.WaitForAsync(connection, "action = 'identity.signin.local' AND outcome = 'succeeded'");
        Assert.Equal("audited-sre", success.ActorName);
        Assert.Equal(["Sre"], success.ActorRoles);

        var failure = await AuditLog.WaitForAsync(connection, "action = 'identity.signin.local' AND outcome = 'failed'");
        Assert.Equal(AuditActorType.Anonymous, failure.ActorType);
        Assert.Equal("wrong user name or password", failure.Reason);
        Assert.Equal("audited-sre", AuditCanonical.ParseDetails(failure.Details)["userName"]);

        var changed = await AuditLog.WaitForAsync(connection, "action = 'identity.user.password_changed'");
        Assert.Equal(AuditOutcome.Succeeded, changed.Outcome);
        await AuditLog.WaitForAsync(connection, "action = 'identity.token.created'");
        var tokenRevoked = await AuditLog.WaitForAsync(connection, "action = 'identity.token.revoked'");
        Assert.Equal(AuditActorType.Token, tokenRevoked.ActorType);
        var signedOut = await AuditLog.WaitForAsync(connection, "action = 'identity.signout'");
        Assert.Equal("audited-sre", signedOut.ActorName);
        await AuditLog.AssertChainIntactAsync(connection);
    }
}
