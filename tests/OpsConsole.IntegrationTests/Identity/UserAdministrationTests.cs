using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Core.Identity.Users;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Identity;

[Collection(PostgresCollection.Name)]
public sealed class UserAdministrationTests(PostgresFixture postgres) : ConsoleTest(postgres)
{

    [Fact]
    public async Task Only_an_admin_may_administer_users_whatever_calls_the_service()
    {
        await using var scope = Console.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdministrationService>();
        var sre = Principal("someone", ConsoleRoles.Sre);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => service.ListAsync(sre));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => service.CreateAsync(sre, "sneaky", ConsoleRoles.Admin));
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("sneaky"));
    }

    [Fact]
    public async Task Changing_roles_renews_the_security_stamp_and_the_last_admin_cannot_be_removed()
    {
        await using var scope = Console.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<UserAdministrationService>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        var admin = await users.FindByNameAsync("admin");
        var caller = Principal("admin", ConsoleRoles.Admin, admin!.Id);

        await service.CreateAsync(caller, "dave", ConsoleRoles.Viewer);
        var dave = await users.FindByNameAsync("dave");
        var stampBefore = dave!.SecurityStamp;
        await service.SetRolesAsync(caller, dave.Id, [ConsoleRoles.Sre, ConsoleRoles.OnCall]);
        var daveAfter = await users.FindByIdAsync(dave.Id);
        Assert.NotEqual(stampBefore, daveAfter!.SecurityStamp); // open sessions must re-authenticate
        Assert.Equal([ConsoleRoles.OnCall, ConsoleRoles.Sre], (await users.GetRolesAsync(daveAfter)).Order(StringComparer.Ordinal));

        var lastAdmin = await Assert.ThrowsAsync<ArgumentException>(() => service.SetRolesAsync(caller, admin.Id, [ConsoleRoles.Viewer]));
        Assert.Contains("At least one enabled administrator", lastAdmin.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => service.SetDisabledAsync(caller, admin.Id, disabled: true));
    }

    [Fact]
    public async Task A_disabled_user_cannot_sign_in_and_their_tokens_stay_revoked_when_enabled_again()
    {
        var (_, _) = await Console.SignInNewUserAsync("erin", ConsoleRoles.Sre);
        string secret;
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
            var erin = await users.FindByNameAsync("erin");
            secret = (await scope.ServiceProvider.GetRequiredService<ApiTokenService>().CreateAsync(erin!, "t", TimeSpan.FromHours(1), null)).Secret;
            var admin = await users.FindByNameAsync("admin");
            var revoked = await scope.ServiceProvider.GetRequiredService<UserAdministrationService>()
                .SetDisabledAsync(Principal("admin", ConsoleRoles.Admin, admin!.Id), erin!.Id, disabled: true);
            Assert.Equal(1, revoked);
        }

        using var client = Console.CreateClient();
        using var signIn = await ConsoleSession.PostFormAsync(client, "/account/login", "login", new()
        {
            ["Input.UserName"] = "erin",
            ["Input.Password"] = ConsoleSession.ChosenPassword,
        });
        Assert.Contains("Sign-in failed", await signIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var api = Console.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var refused = await api.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
            var admin = await users.FindByNameAsync("admin");
            var erin = await users.FindByNameAsync("erin");
            var service = scope.ServiceProvider.GetRequiredService<UserAdministrationService>();
            await service.SetDisabledAsync(Principal("admin", ConsoleRoles.Admin, admin!.Id), erin!.Id, disabled: false);
            var summary = (await service.ListAsync(Principal("admin", ConsoleRoles.Admin, admin.Id))).Single(u => u.UserName == "erin");
            Assert.False(summary.Disabled);
        }

        // Enabling the account does not bring the token back: it was revoked, not merely refused (issue 14, item 7).
        using var stillRefused = await api.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, stillRefused.StatusCode);
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var erin = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("erin");
            var token = Assert.Single(await scope.ServiceProvider.GetRequiredService<ApiTokenService>().ListAsync(erin!.Id));
            Assert.NotNull(token.RevokedAt);
            Assert.Equal("admin", token.RevokedBy);
        }

        var record = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'identity.user.disabled'");
        using var details = System.Text.Json.JsonDocument.Parse(record.Details);
        Assert.Equal("1", details.RootElement.GetProperty("tokensRevoked").GetString());
    }

    [Fact]
    public async Task Resetting_a_password_revokes_the_users_api_tokens()
    {
        var secret = await Console.CreateTokenForNewUserAsync("ivy", ConsoleRoles.Sre);
        using var api = Console.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using (var before = await api.GetAsync(new Uri("/api/v1/me", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
            var admin = await users.FindByNameAsync("admin");
            var ivy = await users.FindByNameAsync("ivy");
            var otp = await scope.ServiceProvider.GetRequiredService<UserAdministrationService>()
                .ResetPasswordAsync(Principal("admin", ConsoleRoles.Admin, admin!.Id), ivy!.Id);
            Assert.Equal(1, otp.TokensRevoked);
        }

        using var after = await api.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Admins_list_and_revoke_anyones_tokens_and_others_may_not()
    {
        var secret = await Console.CreateTokenForNewUserAsync("henry", ConsoleRoles.Sre);
        await using var scope = Console.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        var service = scope.ServiceProvider.GetRequiredService<UserAdministrationService>();
        var henry = await users.FindByNameAsync("henry");
        var admin = Principal("admin", ConsoleRoles.Admin, (await users.FindByNameAsync("admin"))!.Id);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => service.ListTokensAsync(Principal("x", ConsoleRoles.Sre), henry!.Id));
        var token = Assert.Single(await service.ListTokensAsync(admin, henry!.Id));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => service.RevokeTokenAsync(Principal("x", ConsoleRoles.OnCall), token.Id));
        Assert.True(await service.RevokeTokenAsync(admin, token.Id));

        using var api = Console.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var refused = await api.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private static ClaimsPrincipal Principal(string name, string role, string? id = null) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.NameIdentifier, id ?? Guid.NewGuid().ToString()), new Claim(ClaimTypes.Role, role)],
            "test"));
}
