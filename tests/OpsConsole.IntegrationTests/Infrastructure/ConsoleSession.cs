using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.ApiTokens;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>Signs in through the real server-rendered forms (antiforgery token, cookies), as a browser would.</summary>
public static partial class ConsoleSession
{
    public const string ChosenPassword = "integration tests choose this one";

    public static async Task<OneTimePassword> CreateUserAsync(this TestConsole console, string userName, string role)
    {
        await using var scope = console.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAsync(userName, role);
    }

    /// <summary>Creates a user with the role and an API token for it; returns the token.</summary>
    public static async Task<string> CreateTokenForNewUserAsync(this TestConsole console, string userName, string role)
    {
        await console.CreateUserAsync(userName, role);
        return await console.CreateTokenAsync(userName);
    }

    public static async Task<string> CreateTokenAsync(this TestConsole console, string userName, IReadOnlyCollection<string>? roles = null)
    {
        await using var scope = console.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync(userName)
            ?? throw new InvalidOperationException($"no user {userName}");
        var created = await scope.ServiceProvider.GetRequiredService<ApiTokenService>().CreateAsync(user, $"{userName}-token", TimeSpan.FromHours(1), roles);
        return created.Secret;
    }

    /// <summary>Creates a user, signs in with its one-time password and replaces it; returns a client holding the session cookie.</summary>
    public static async Task<(HttpClient Client, CookieContainer Cookies)> SignInNewUserAsync(this TestConsole console, string userName, string role)
    {
        var otp = await console.CreateUserAsync(userName, role);
        var cookies = new CookieContainer();
        var client = console.CreateClient(cookies);
        using (var login = await PostFormAsync(client, "/account/login", "login", new()
        {
            ["Input.UserName"] = userName,
            ["Input.Password"] = otp.Password,
        }))
        {
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Assert.StartsWith("/account/change-password", ConsoleSession.LocationPath(login), StringComparison.Ordinal);
        }

        using (var change = await PostFormAsync(client, "/account/change-password", "change-password", new()
        {
            ["Input.CurrentPassword"] = otp.Password,
            ["Input.NewPassword"] = ChosenPassword,
            ["Input.ConfirmPassword"] = ChosenPassword,
        }))
        {
            Assert.Equal(HttpStatusCode.Redirect, change.StatusCode);
        }

        return (client, cookies);
    }

    /// <summary>GETs the page for its antiforgery token, then POSTs the named Blazor form.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string formName, Dictionary<string, string> fields)
    {
        var html = await client.GetStringAsync(new Uri(path, UriKind.Relative));
        var token = AntiforgeryToken().Match(html);
        Assert.True(token.Success, $"no antiforgery token on {path}");
        var form = new Dictionary<string, string>(fields)
        {
            ["_handler"] = formName,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups["value"].Value),
        };
        using var content = new FormUrlEncodedContent(form);
        return await client.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    /// <summary>Signs out as the user menu does: a POST with the user's antiforgery token.</summary>
    public static async Task<HttpResponseMessage> SignOutAsync(HttpClient client)
    {
        // Any server-rendered form of the signed-in user carries a token bound to them (the menu renders only when opened).
        var html = await client.GetStringAsync(new Uri("/account/change-password", UriKind.Relative));
        var token = AntiforgeryToken().Match(html);
        Assert.True(token.Success, "no antiforgery token on /account/change-password");
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups["value"].Value),
        });
        return await client.PostAsync(new Uri("/account/logout", UriKind.Relative), content);
    }

    /// <summary>The redirect target as a local path and query, whether the server sent it absolute or relative.</summary>
    public static string LocationPath(HttpResponseMessage response)
    {
        var location = response.Headers.Location ?? throw new InvalidOperationException($"{(int)response.StatusCode} without a Location header");
        return location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;
    }

    [GeneratedRegex("""name="__RequestVerificationToken"[^>]*?value="(?<value>[^"]+)"|value="(?<value>[^"]+)"[^>]*?name="__RequestVerificationToken" """)]
    private static partial Regex AntiforgeryToken();
}
