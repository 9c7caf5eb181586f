using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.Displays;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Identity.Displays;

/// <summary>Pairing over real HTTP: the TV's form post, the device cookie, and what revocation does to it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DisplayPairingTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Admin = TestPrincipals.Of("admin", ConsoleRoles.Admin);
    private readonly CapturingAuditTrail _audit = new();

    protected override Task<TestConsole> StartConsoleAsync() =>
        TestConsole.StartAsync(Postgres.SharedConnectionString, services: s => s.AddSingleton<IAuditTrail>(_audit));

    [Fact]
    public async Task A_pairing_link_signs_the_display_in_for_a_year_with_the_Display_role_and_works_once()
    {
        var issued = await CreateAsync("Lobby TV");

        using var tv = Console.CreateClient(new CookieContainer());
        var page = await tv.GetStringAsync(PairPath(issued.Code));
        Assert.Contains("data-auto-submit", page, StringComparison.Ordinal); // the TV needs no keyboard

        using (var paired = await PairAsync(tv, issued.Code))
        {
            Assert.Equal(HttpStatusCode.Redirect, paired.StatusCode);
            Assert.Equal("/wall", ConsoleSession.LocationPath(paired));
            var cookie = Assert.Single(paired.Headers.GetValues("Set-Cookie"), c => c.StartsWith("opsconsole.display=", StringComparison.Ordinal));
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
            var expires = DateTimeOffset.Parse(cookie.Split(';').Single(p => p.Trim().StartsWith("expires=", StringComparison.OrdinalIgnoreCase)).Trim()[8..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(364), DateTimeOffset.UtcNow.AddDays(366));
        }

        using (var wall = await tv.GetAsync(new Uri("/wall", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, wall.StatusCode);
            Assert.Contains("Lobby TV", await wall.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var me = await tv.GetAsync(new Uri("/api/v1/me", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            var body = await me.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Lobby TV", body.GetProperty("userName").GetString());
            Assert.Equal([ConsoleRoles.Display], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal("display", body.GetProperty("authenticationMethod").GetString());
        }

        using (var users = await tv.GetAsync(new Uri("/api/v1/users", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode); // read-only: the Display role and nothing more
        }

        using var second = Console.CreateClient(new CookieContainer());
        using (var reused = await PairAsync(second, issued.Code))
        {
            Assert.Equal(HttpStatusCode.OK, reused.StatusCode);
            Assert.Contains("already used", await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(reused.Headers.Contains("Set-Cookie") && reused.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("opsconsole.display=", StringComparison.Ordinal)));
        }

        var listed = Assert.Single(await ListAsync());
        Assert.Equal(DisplayStatus.Paired, listed.StatusAt(DateTimeOffset.UtcNow));
        Assert.Equal("127.0.0.1", listed.LastSeenIp);
        Assert.NotNull(listed.LastSeenAt);
        Assert.Null(listed.PairingCodeHash); // used codes are gone, not just flagged
        Assert.Contains(_audit.Entries, e => e.Action == "identity.display.paired" && e.TargetId == issued.Device.Id.ToString());
        Assert.Contains(_audit.Entries, e => e.Action == "identity.display.pairing_failed" && e.Details!["reason"] == "unknown");
    }

    [Fact]
    public async Task An_expired_or_mistyped_code_gets_a_page_that_says_so_and_no_cookie()
    {
        var issued = await CreateAsync("Stale");
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await db.DisplayDevices.Where(d => d.Id == issued.Device.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.PairingCodeExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }

        using var tv = Console.CreateClient(new CookieContainer());
        using (var expired = await PairAsync(tv, issued.Code))
        {
            Assert.Equal(HttpStatusCode.OK, expired.StatusCode);
            Assert.Contains("has expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var malformed = await PairAsync(tv, "not-a-code"))
        {
            Assert.Contains("That is not a pairing code", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var wall = await tv.GetAsync(new Uri("/wall", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, wall.StatusCode);
        Assert.StartsWith("/account/login", ConsoleSession.LocationPath(wall), StringComparison.Ordinal);
        Assert.Equal(DisplayStatus.CodeExpired, Assert.Single(await ListAsync()).StatusAt(DateTimeOffset.UtcNow));
        Assert.Contains(_audit.Entries, e => e.Action == "identity.display.pairing_failed" && e.Details!["reason"] == "expired");
    }

    [Fact]
    public async Task A_revoked_display_is_refused_on_its_next_request_and_a_new_code_pairs_it_again()
    {
        var issued = await CreateAsync("Ops wall");
        var jar = new CookieContainer();
        using var tv = Console.CreateClient(jar);
        (await PairAsync(tv, issued.Code)).Dispose();
        var deviceCookie = jar.GetCookieHeader(Console.BaseAddress);
        using (var before = await tv.GetAsync(new Uri("/api/v1/me", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await using (var scope = Console.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<DisplayDeviceService>().RevokeAsync(Admin, issued.Device.Id));
        }

        // The TV reloading its page: refused at once, sent to the pairing page, and the dead cookie is deleted.
        using (var wall = await tv.GetAsync(new Uri("/wall", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, wall.StatusCode);
            Assert.StartsWith("/display/pair", ConsoleSession.LocationPath(wall), StringComparison.Ordinal);
            Assert.Contains(wall.Headers.GetValues("Set-Cookie"), c => c.StartsWith("opsconsole.display=;", StringComparison.Ordinal));
        }

        // A copy of the old cookie, replayed, is refused too: the device record decides, not the cookie.
        using (var replay = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me"))
        using (var bare = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = Console.BaseAddress })
        {
            replay.Headers.Add("Cookie", deviceCookie);
            using var after = await bare.SendAsync(replay);
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        }

        IssuedPairingCode again;
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            again = (await scope.ServiceProvider.GetRequiredService<DisplayDeviceService>().IssuePairingCodeAsync(Admin, issued.Device.Id))!;
        }

        using var repaired = Console.CreateClient(new CookieContainer());
        (await PairAsync(repaired, again.Code)).Dispose();
        using (var me = await repaired.GetAsync(new Uri("/api/v1/me", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        }

        Assert.Contains(_audit.Entries, e => e.Action == "identity.display.revoked" && e.Actor.Identity?.Name == "admin");
    }

    [Fact]
    public async Task Only_an_admin_may_administer_displays_whatever_calls_the_service()
    {
        await using var scope = Console.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<DisplayDeviceService>();
        var sre = TestPrincipals.Of("sre", ConsoleRoles.Sre);
        var display = await service.CreateAsync(Admin, "Hall");

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => service.CreateAsync(sre, "sneaky"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => service.ListAsync(sre));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => service.RevokeAsync(sre, display.Device.Id));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => service.IssuePairingCodeAsync(TestPrincipals.Of("d", ConsoleRoles.Display), display.Device.Id));
        Assert.Equal(["Hall"], (await service.ListAsync(Admin)).Select(d => d.Name));
        Assert.Contains(_audit.Entries, e => e.Action == "identity.displays.access" && e.Outcome == "denied");
        await Assert.ThrowsAsync<ArgumentException>(() => service.CreateAsync(Admin, "   "));
        await Assert.ThrowsAsync<ArgumentException>(() => service.CreateAsync(Admin, new string('x', 101)));
    }

    [Fact]
    public async Task A_browser_signed_in_as_a_person_is_not_turned_into_a_display()
    {
        var issued = await CreateAsync("Laptop");
        var (person, _) = await Console.SignInNewUserAsync("pat", ConsoleRoles.Viewer);
        using (person)
        {
            var page = await person.GetStringAsync(PairPath(issued.Code));
            Assert.Contains("signed in as <strong>pat</strong>", page, StringComparison.Ordinal);
            Assert.DoesNotContain("data-auto-submit", page, StringComparison.Ordinal);
        }

        Assert.Equal(DisplayStatus.Pending, Assert.Single(await ListAsync()).StatusAt(DateTimeOffset.UtcNow)); // the code is still unused
    }

    [Fact]
    public async Task Pairing_attempts_are_rate_limited_per_address()
    {
        await using var limited = await TestConsole.StartAsync(
            Postgres.SharedConnectionString, new Dictionary<string, string?> { ["Security:DisplayPairingAttemptsPerMinute"] = "2" });
        using var guesser = limited.CreateClient(new CookieContainer());

        (await PairAsync(guesser, "AAAAA-AAAAA")).Dispose();
        (await PairAsync(guesser, "AAAAA-AAAAB")).Dispose();
        using var third = await PairAsync(guesser, "AAAAA-AAAAC");

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
    }

    private static string PairPath(string code) => $"/display/pair?code={Uri.EscapeDataString(code)}";

    private static Task<HttpResponseMessage> PairAsync(HttpClient client, string code) =>
        ConsoleSession.PostFormAsync(client, PairPath(code), "pair", new() { ["Input.Code"] = code });

    private async Task<IssuedPairingCode> CreateAsync(string name)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DisplayDeviceService>().CreateAsync(Admin, name);
    }

    private async Task<IReadOnlyList<DisplayDevice>> ListAsync()
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DisplayDeviceService>().ListAsync(Admin);
    }
}
