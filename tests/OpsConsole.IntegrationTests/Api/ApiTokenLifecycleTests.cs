using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Data;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Core.Identity.Users;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Web.Api;

namespace OpsConsole.IntegrationTests.Api;

[Collection(PostgresCollection.Name)]
public sealed class ApiTokenLifecycleTests(PostgresFixture postgres) : ConsoleTest(postgres)
{

    [Fact]
    public async Task A_token_works_records_its_last_use_and_stops_working_when_revoked()
    {
        var (user, created) = await CreateAsync("tok-sre", ConsoleRoles.Sre, TimeSpan.FromDays(1));
        Assert.StartsWith("opc_", created.Secret, StringComparison.Ordinal);
        Assert.True(created.Secret.Length >= 4 + 43); // 256 random bits, base64url

        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().ApiTokens.SingleAsync(t => t.Id == created.Token.Id);
            Assert.DoesNotContain(created.Secret, System.Text.Encoding.UTF8.GetString(stored.Hash), StringComparison.Ordinal);
            Assert.Null(stored.LastUsedAt);
        }

        using var client = Client(created.Secret);
        var me = await client.GetFromJsonAsync<MeResponse>("/api/v1/me");
        Assert.Equal("tok-sre", me!.UserName);
        Assert.Equal([ConsoleRoles.Sre], me.Roles);
        Assert.Equal("api-token", me.AuthenticationMethod);

        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().ApiTokens.SingleAsync(t => t.Id == created.Token.Id);
            Assert.NotNull(stored.LastUsedAt);
            Assert.True(await scope.ServiceProvider.GetRequiredService<ApiTokenService>().RevokeAsync(created.Token.Id, "tests"));
        }

        await AssertRejectedAsync(client, "revoked");
        Assert.Equal(user.Id, created.Token.UserId);
    }

    [Fact]
    public async Task An_expired_token_gets_401_saying_so()
    {
        var (_, created) = await CreateAsync("tok-expiring", ConsoleRoles.Viewer, TimeSpan.FromMinutes(5));
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await db.ApiTokens.Where(t => t.Id == created.Token.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }

        await AssertRejectedAsync(Client(created.Secret), "expired");
    }

    [Fact]
    public async Task Unknown_and_malformed_tokens_get_401_and_a_narrowed_token_loses_roles_its_user_loses()
    {
        await AssertRejectedAsync(Client("opc_" + new string('A', 43)), "not known");
        await AssertRejectedAsync(Client("not-a-console-token"), "not a console API token");

        var (user, created) = await CreateAsync("tok-admin", ConsoleRoles.Admin, TimeSpan.FromDays(1));
        using var client = Client(created.Secret);
        using (var allowed = await client.GetAsync(new Uri("/api/v1/system/stats", UriKind.Relative)))
        {
            Assert.NotEqual(HttpStatusCode.Forbidden, allowed.StatusCode);
        }

        // Roles change as an administrator changes them (which also drops the token's cached validation).
        var administrator = TestPrincipals.Of("admin", ConsoleRoles.Admin);
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAdministrationService>().SetRolesAsync(administrator, user.Id, [ConsoleRoles.Viewer]);
        }

        // The token never has more than its user has now (an unnarrowed token follows the user's roles).
        using var denied = await client.GetAsync(new Uri("/api/v1/system/stats", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var me = await client.GetFromJsonAsync<MeResponse>("/api/v1/me");
        Assert.Equal([ConsoleRoles.Viewer], me!.Roles);

        // A token narrowed to one role keeps only that role, and loses it with the user.
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var administration = scope.ServiceProvider.GetRequiredService<UserAdministrationService>();
            await administration.SetRolesAsync(administrator, user.Id, [ConsoleRoles.Viewer, ConsoleRoles.Sre]);
            var fresh = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByIdAsync(user.Id);
            var narrowed = await scope.ServiceProvider.GetRequiredService<ApiTokenService>().CreateAsync(fresh!, "narrow", TimeSpan.FromHours(1), [ConsoleRoles.Sre]);
            using var narrowClient = Client(narrowed.Secret);
            Assert.Equal([ConsoleRoles.Sre], (await narrowClient.GetFromJsonAsync<MeResponse>("/api/v1/me"))!.Roles);
            await administration.SetRolesAsync(administrator, user.Id, [ConsoleRoles.Viewer]);
            using var nothingLeft = await narrowClient.GetAsync(new Uri("/api/v1/me", UriKind.Relative)); // no role, no access
            Assert.Equal(HttpStatusCode.Forbidden, nothingLeft.StatusCode);
        }
    }

    [Fact]
    public async Task Users_list_and_revoke_their_own_tokens_over_the_api_but_not_others()
    {
        var (_, mine) = await CreateAsync("tok-owner", ConsoleRoles.Sre, TimeSpan.FromDays(1));
        var (_, spare) = await CreateAsync("tok-owner-2", ConsoleRoles.Viewer, TimeSpan.FromDays(1));
        using var owner = Client(mine.Secret);

        var listed = await owner.GetStringAsync(new Uri("/api/v1/tokens", UriKind.Relative));
        Assert.Contains(mine.Token.DisplayPrefix, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(mine.Secret, listed, StringComparison.Ordinal); // never the secret
        Assert.DoesNotContain("hash", listed, StringComparison.OrdinalIgnoreCase);

        // Not an admin: someone else's token is refused with 403 and stays valid.
        using (var refused = await owner.DeleteAsync(new Uri($"/api/v1/tokens/{spare.Token.Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var stillValid = await Client(spare.Secret).GetAsync(new Uri("/api/v1/me", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        }

        // Its own token: revoked (204), then a second revoke finds nothing active (404), and the token is refused.
        using (var revoked = await owner.DeleteAsync(new Uri($"/api/v1/tokens/{mine.Token.Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        await AssertRejectedAsync(owner, "revoked");
        using var again = await Client(spare.Secret).DeleteAsync(new Uri($"/api/v1/tokens/{Guid.NewGuid()}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task A_token_cannot_carry_a_role_its_user_does_not_hold_or_live_longer_than_a_year()
    {
        await Console.CreateUserAsync("tok-limits", ConsoleRoles.Viewer);
        await using var scope = Console.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("tok-limits");
        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokenService>();
        var tooMuch = await Assert.ThrowsAsync<ArgumentException>(() => tokens.CreateAsync(user!, "x", TimeSpan.FromDays(1), [ConsoleRoles.Admin]));
        Assert.Contains("does not hold the role Admin", tooMuch.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => tokens.CreateAsync(user!, "x", TimeSpan.FromDays(400), null));
    }

    private async Task<(ConsoleUser User, CreatedApiToken Created)> CreateAsync(string userName, string role, TimeSpan lifetime)
    {
        await Console.CreateUserAsync(userName, role);
        await using var scope = Console.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync(userName);
        return (user!, await scope.ServiceProvider.GetRequiredService<ApiTokenService>().CreateAsync(user!, $"{userName}-token", lifetime, null));
    }

    private HttpClient Client(string token)
    {
        var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task AssertRejectedAsync(HttpClient client, string because)
    {
        using var response = await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(because, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
