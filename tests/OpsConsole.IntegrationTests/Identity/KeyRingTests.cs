using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Data;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Identity;

[Collection(PostgresCollection.Name)]
public sealed class KeyRingTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_sign_in_cookie_stays_valid_on_a_second_instance_and_after_a_restart()
    {
        await postgres.ResetSharedDatabaseAsync();
        System.Net.CookieContainer cookies;
        await using (var first = await TestConsole.StartAsync(postgres.SharedConnectionString))
        {
            await first.WaitForReadinessAsync();
            (var client, cookies) = await first.SignInNewUserAsync("keyring-sre", ConsoleRoles.Sre);
            client.Dispose();

            await using var scope = first.Services.CreateAsyncScope();
            Assert.NotEmpty(await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().DataProtectionKeys.ToListAsync());
        }

        // A different process-level instance (new host, new data directory) on the same database.
        await using var second = await TestConsole.StartAsync(postgres.SharedConnectionString);
        await second.WaitForReadinessAsync();
        using var sameCookies = second.CreateClient(CookiesFor(cookies, second.BaseAddress));
        using var response = await sameCookies.GetAsync(new Uri("/system", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    // The cookie was issued for the first host's port; a browser behind a load balancer would send it to every instance.
    private static System.Net.CookieContainer CookiesFor(System.Net.CookieContainer source, Uri target)
    {
        var copy = new System.Net.CookieContainer();
        foreach (System.Net.Cookie cookie in source.GetAllCookies())
        {
            copy.Add(target, new System.Net.Cookie(cookie.Name, cookie.Value, "/"));
        }

        return copy;
    }
}
