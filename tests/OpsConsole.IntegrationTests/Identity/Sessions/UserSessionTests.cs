using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.Users;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Web.Features.Identity;

namespace OpsConsole.IntegrationTests.Identity.Sessions;

/// <summary>The session lifecycle over real HTTP: sign-in records it, ending it refuses its cookie, others keep working.</summary>
[Collection(PostgresCollection.Name)]
public sealed class UserSessionTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private readonly CapturingAuditTrail _audit = new();

    protected override Task<TestConsole> StartConsoleAsync() =>
        TestConsole.StartAsync(Postgres.SharedConnectionString, services: s => s.AddSingleton<IAuditTrail>(_audit));

    [Fact]
    public async Task A_sign_in_is_one_session_kept_across_the_password_change_and_marked_as_this_session()
    {
        var (browser, _) = await Console.SignInNewUserAsync("sam", ConsoleRoles.Viewer);
        using (browser)
        {
            var sessions = await browser.GetFromJsonAsync<List<SessionSummary>>("/api/v1/me/sessions");

            var session = Assert.Single(sessions!); // the change-password refresh continued it instead of starting another
            Assert.True(session.Current);
            Assert.Equal("127.0.0.1", session.IpAddress);
            Assert.InRange(session.LastSeenAt, session.StartedAt, DateTimeOffset.UtcNow.AddSeconds(5));
        }
    }

    [Fact]
    public async Task Ending_one_session_refuses_its_cookie_at_once_and_leaves_the_other_signed_in()
    {
        var (first, second) = await SignInTwiceAsync("tess");
        using var firstClient = first;
        using var secondClient = second;
        var sessions = await first.GetFromJsonAsync<List<SessionSummary>>("/api/v1/me/sessions");
        Assert.Equal(2, sessions!.Count);
        var other = sessions.Single(s => !s.Current);

        using var api = await TokenClientAsync("tess");
        using (var ended = await api.DeleteAsync(new Uri($"/api/v1/me/sessions/{other.Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        }

        using (var refused = await second.GetAsync(new Uri("/api/v1/me", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var kept = await first.GetAsync(new Uri("/api/v1/me", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        }

        Assert.Single((await first.GetFromJsonAsync<List<SessionSummary>>("/api/v1/me/sessions"))!);
        Assert.Contains(_audit.Entries, e => e.Action == "identity.session.ended" && e.TargetId == other.Id.ToString() && e.Actor.Identity?.Name == "tess");
    }

    [Fact]
    public async Task Someone_elses_session_cannot_be_ended_and_the_attempt_is_audited()
    {
        var (victim, _) = await Console.SignInNewUserAsync("vic", ConsoleRoles.Sre);
        using (victim)
        {
            var session = Assert.Single((await victim.GetFromJsonAsync<List<SessionSummary>>("/api/v1/me/sessions"))!);
            await Console.CreateUserAsync("mal", ConsoleRoles.OnCall);
            using var mal = await TokenClientAsync("mal");

            using var refused = await mal.DeleteAsync(new Uri($"/api/v1/me/sessions/{session.Id}", UriKind.Relative));

            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            using var still = await victim.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
            Assert.Contains(_audit.Entries, e => e.Action == "identity.session.end" && e.Outcome == "denied" && e.Actor.Identity?.Name == "mal");
        }
    }

    [Fact]
    public async Task Signing_out_all_other_sessions_keeps_only_the_callers()
    {
        var (first, second) = await SignInTwiceAsync("uma");
        using (first)
        using (second)
        {
            var mine = Assert.Single((await first.GetFromJsonAsync<List<SessionSummary>>("/api/v1/me/sessions"))!, s => s.Current);
            await using (var scope = Console.Services.CreateAsyncScope())
            {
                var service = scope.ServiceProvider.GetRequiredService<OpsConsole.Core.Identity.Sessions.UserSessionService>();
                var uma = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("uma");
                Assert.Equal(1, await service.EndOthersAsync(TestPrincipals.Of("uma", ConsoleRoles.Viewer, uma!.Id), mine.Id));
            }

            using var refused = await second.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal([mine.Id], (await first.GetFromJsonAsync<List<SessionSummary>>("/api/v1/me/sessions"))!.Select(s => s.Id));
        }
    }

    [Fact]
    public async Task An_admin_sees_a_users_sessions_and_sign_out_everywhere_ends_every_one_of_them()
    {
        var (first, second) = await SignInTwiceAsync("vera");
        using (first)
        using (second)
        {
            string veraId;
            await using (var scope = Console.Services.CreateAsyncScope())
            {
                veraId = (await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("vera"))!.Id;
            }

            await Console.CreateUserAsync("boss", ConsoleRoles.Admin);
            using var admin = await TokenClientAsync("boss");
            var listed = await admin.GetFromJsonAsync<List<SessionSummary>>($"/api/v1/users/{veraId}/sessions");
            Assert.Equal(2, listed!.Count);
            Assert.All(listed, s => Assert.False(s.Current));

            await using (var scope = Console.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<UserAdministrationService>()
                    .SignOutEverywhereAsync(TestPrincipals.Of("boss", ConsoleRoles.Admin), veraId);
            }

            Assert.Empty((await admin.GetFromJsonAsync<List<SessionSummary>>($"/api/v1/users/{veraId}/sessions"))!);
            using var refused = await first.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            await using (var scope = Console.Services.CreateAsyncScope())
            {
                var rows = await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().UserSessions.Where(s => s.UserId == veraId).ToListAsync();
                Assert.Equal(2, rows.Count);
                Assert.All(rows, r => Assert.Equal("signed out everywhere by an administrator", r.EndedReason));
            }

            Assert.Equal(2, _audit.Entries.Count(e => e.Action == "identity.session.ended" && e.Details!["userId"] == veraId));
        }
    }

    [Fact]
    public async Task Listing_someone_elses_sessions_needs_the_admin_role()
    {
        using var viewer = await TokenClientAsync("nosy", create: true);
        using var refused = await viewer.GetAsync(new Uri($"/api/v1/users/{Guid.NewGuid()}/sessions", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        await using var scope = Console.Services.CreateAsyncScope();
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => scope.ServiceProvider
            .GetRequiredService<OpsConsole.Core.Identity.Sessions.UserSessionService>().ListForAdminAsync(TestPrincipals.Of("x", ConsoleRoles.Sre), "anyone"));
    }

    /// <summary>The same user signed in from two browsers (the second sign-in uses the chosen password).</summary>
    private async Task<(HttpClient First, HttpClient Second)> SignInTwiceAsync(string userName)
    {
        var (first, _) = await Console.SignInNewUserAsync(userName, ConsoleRoles.Viewer);
        var second = Console.CreateClient(new CookieContainer());
        using var login = await ConsoleSession.PostFormAsync(second, "/account/login", "login", new()
        {
            ["Input.UserName"] = userName,
            ["Input.Password"] = ConsoleSession.ChosenPassword,
        });
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return (first, second);
    }

    private async Task<HttpClient> TokenClientAsync(string userName, bool create = false)
    {
        var client = Console.CreateClient();
        var token = create ? await Console.CreateTokenForNewUserAsync(userName, ConsoleRoles.Viewer) : await Console.CreateTokenAsync(userName);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
