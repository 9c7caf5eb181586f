using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Identity;

[Collection(PostgresCollection.Name)]
public sealed class SignInTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    protected override Task<TestConsole> StartConsoleAsync() =>
        TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?>
        {
            ["Security:SignInAttemptsPerMinute"] = "8",
            ["Security:SignInAttemptsPerAccountPerMinute"] = "6", // above the lockout threshold of 5
        });

    [Fact]
    public async Task One_time_password_must_be_replaced_before_anything_else_is_reachable()
    {
        var otp = await Console.CreateUserAsync("sre-one", ConsoleRoles.Sre);
        using var client = Console.CreateClient();
        using var login = await ConsoleSession.PostFormAsync(client, "/account/login", "login", new()
        {
            ["Input.UserName"] = "sre-one",
            ["Input.Password"] = otp.Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.StartsWith("/account/change-password", ConsoleSession.LocationPath(login), StringComparison.Ordinal);

        // Any other page sends the user back to the change-password form.
        using var system = await client.GetAsync(new Uri("/system", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, system.StatusCode);
        Assert.Equal("/account/change-password", ConsoleSession.LocationPath(system));

        // The policy: at least 12 characters, and not the one-time password again.
        using var tooShort = await ConsoleSession.PostFormAsync(client, "/account/change-password", "change-password", new()
        {
            ["Input.CurrentPassword"] = otp.Password,
            ["Input.NewPassword"] = "short",
            ["Input.ConfirmPassword"] = "short",
        });
        Assert.Equal(HttpStatusCode.OK, tooShort.StatusCode);
        Assert.Contains("at least 12 characters", await tooShort.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var same = await ConsoleSession.PostFormAsync(client, "/account/change-password", "change-password", new()
        {
            ["Input.CurrentPassword"] = otp.Password,
            ["Input.NewPassword"] = otp.Password,
            ["Input.ConfirmPassword"] = otp.Password,
        });
        Assert.Contains("must differ from the current", WebUtility.HtmlDecode(await same.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        using var changed = await ConsoleSession.PostFormAsync(client, "/account/change-password", "change-password", new()
        {
            ["Input.CurrentPassword"] = otp.Password,
            ["Input.NewPassword"] = ConsoleSession.ChosenPassword,
            ["Input.ConfirmPassword"] = ConsoleSession.ChosenPassword,
        });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);

        using var systemNow = await client.GetAsync(new Uri("/system", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, systemNow.StatusCode);

        await using var scope = Console.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("sre-one");
        Assert.False(user!.MustChangePassword);
        Assert.NotNull(user.LastSignInAt);
    }

    [Fact]
    public async Task The_bootstrap_admin_password_file_is_deleted_once_the_password_is_changed()
    {
        // The reset database has no users: a fresh console creates the admin and its one-time password file.
        await RestartConsoleAsync();
        var file = Path.Combine(Console.DataDirectory, InitialAdminPasswordFile.FileName);
        var otp = (await File.ReadAllTextAsync(file)).Trim();

        using var client = Console.CreateClient();
        (await ConsoleSession.PostFormAsync(client, "/account/login", "login", new() { ["Input.UserName"] = "admin", ["Input.Password"] = otp })).Dispose();
        using var changed = await ConsoleSession.PostFormAsync(client, "/account/change-password", "change-password", new()
        {
            ["Input.CurrentPassword"] = otp,
            ["Input.NewPassword"] = ConsoleSession.ChosenPassword,
            ["Input.ConfirmPassword"] = ConsoleSession.ChosenPassword,
        });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.False(File.Exists(file));

        // And the one-time password no longer signs in.
        using var fresh = Console.CreateClient();
        using var again = await ConsoleSession.PostFormAsync(fresh, "/account/login", "login", new() { ["Input.UserName"] = "admin", ["Input.Password"] = otp });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("Sign-in failed", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_give_one_message_whether_or_not_the_account_exists_and_lock_after_five()
    {
        await Console.CreateUserAsync("locked-out", ConsoleRoles.Viewer);
        using var client = Console.CreateClient();
        string? unknownAccountBody = null;
        for (var attempt = 1; attempt <= 6; attempt++)
        {
            using var response = await ConsoleSession.PostFormAsync(client, "/account/login", "login", new()
            {
                ["Input.UserName"] = attempt == 6 ? "no-such-user" : "locked-out",
                ["Input.Password"] = "definitely not it",
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Contains("Sign-in failed", body, StringComparison.Ordinal);
            if (attempt == 6)
            {
                unknownAccountBody = body;
            }
        }

        Assert.NotNull(unknownAccountBody);
        await using var scope = Console.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        Assert.True(await users.IsLockedOutAsync((await users.FindByNameAsync("locked-out"))!));
    }

    [Fact]
    public async Task Sign_in_attempts_are_rate_limited_per_client_address()
    {
        using var client = Console.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            using var response = await ConsoleSession.PostFormAsync(client, "/account/login", "login", new()
            {
                ["Input.UserName"] = $"nobody-{attempt}",
                ["Input.Password"] = "wrong password",
            });
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(8, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);

        // Showing the form is not limited.
        using var form = await client.GetAsync(new Uri("/account/login", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
    }

    [Fact]
    public async Task Sign_in_attempts_are_rate_limited_per_account_name_whether_or_not_it_exists()
    {
        using var client = Console.CreateClient();
        var statuses = new List<HttpStatusCode>();
        string last = "";
        for (var attempt = 0; attempt < 7; attempt++)
        {
            using var response = await ConsoleSession.PostFormAsync(client, "/account/login", "login", new()
            {
                ["Input.UserName"] = attempt % 2 == 0 ? "ghost" : " GHOST ", // the same name however it is typed
                ["Input.Password"] = "wrong password",
            });
            statuses.Add(response.StatusCode);
            last = await response.Content.ReadAsStringAsync();
        }

        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.Contains("Too many sign-in attempts for this user name", last, StringComparison.Ordinal);

        // Another account name from the same address is judged on its own.
        using var other = await ConsoleSession.PostFormAsync(client, "/account/login", "login", new()
        {
            ["Input.UserName"] = "someone-else",
            ["Input.Password"] = "wrong password",
        });
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Contains("Sign-in failed", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_is_denied_the_system_page_and_its_live_topic_policy()
    {
        var (client, _) = await Console.SignInNewUserAsync("viewer-one", ConsoleRoles.Viewer);
        using (client)
        {
            using var system = await client.GetAsync(new Uri("/system", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, system.StatusCode);
            Assert.StartsWith("/account/access-denied", ConsoleSession.LocationPath(system), StringComparison.Ordinal);

            using var home = await client.GetAsync(new Uri("/", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        }
    }

    [Fact]
    public async Task Pages_carry_the_security_headers_and_a_correlation_id()
    {
        using var client = Console.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/account/login", UriKind.Relative));
        request.Headers.Add("X-Correlation-Id", "test-correlation-0001");
        using var response = await client.SendAsync(request);

        var csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("test-correlation-0001", response.Headers.GetValues("X-Correlation-Id").Single());
        Assert.False(response.Headers.Contains("Strict-Transport-Security")); // plain HTTP: HSTS would be meaningless
    }

    [Fact]
    public async Task Oversized_request_bodies_are_refused_with_413()
    {
        using var client = Console.CreateClient();
        using var body = new StringContent("note=" + new string('a', 2 * 1024 * 1024), System.Text.Encoding.ASCII, "application/x-www-form-urlencoded");
        using var response = await client.PostAsync(new Uri("/account/logout", UriKind.Relative), body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        // A malformed form is a 400 with a problem body, never a 500.
        using var garbage = new ByteArrayContent(new byte[64 * 1024]);
        garbage.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        using var malformed = await client.PostAsync(new Uri("/account/logout", UriKind.Relative), garbage);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Sign_out_requires_a_post_with_an_antiforgery_token()
    {
        var (client, _) = await Console.SignInNewUserAsync("sre-two", ConsoleRoles.Sre);
        using (client)
        {
            using var forged = await client.PostAsync(new Uri("/account/logout", UriKind.Relative), new FormUrlEncodedContent([]));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            using var stillIn = await client.GetAsync(new Uri("/system", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
        }
    }
}
