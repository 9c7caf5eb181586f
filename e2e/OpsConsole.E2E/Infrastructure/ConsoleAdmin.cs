using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace OpsConsole.E2E.Infrastructure;

/// <summary>What an operator does beside the browser: the admin CLI for accounts and tokens, and the HTTP API with a token.</summary>
public static class ConsoleAdmin
{
    /// <summary>Creates the user with `admin create-user`; the one-time password it printed.</summary>
    public static async Task<string> CreateUserAsync(this ConsoleProcess console, string user, string role)
    {
        ArgumentNullException.ThrowIfNull(console);
        var output = await console.RunAdminAsync("create-user", "--user", user, "--role", role);
        const string Prefix = "one-time password:";
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No one-time password in the admin output:\n{output}");
        return line[Prefix.Length..].Trim();
    }

    /// <summary>An API client with a new admin token from `admin create-token` (the secret is the last line it prints).</summary>
    public static async Task<HttpClient> AdminApiAsync(this ConsoleProcess console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var output = await console.RunAdminAsync("create-token", "--user", "admin", "--role", "Admin", "--expires", "1d");
        return console.ApiClient(output.Trim().Split('\n')[^1].Trim());
    }

    /// <summary>An API client that sends <paramref name="token"/> as its bearer token.</summary>
    public static HttpClient ApiClient(this ConsoleProcess console, string token)
    {
        ArgumentNullException.ThrowIfNull(console);
        var api = new HttpClient { BaseAddress = console.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return api;
    }

    /// <summary>Adds a display over the API as admin; the pairing URL its screen is to open.</summary>
    public static async Task<string> NewDisplayAsync(this ConsoleProcess console, string name)
    {
        using var api = await console.AdminApiAsync();
        using var response = await api.PostAsJsonAsync(new Uri("/api/v1/displays", UriKind.Relative), new { name });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("pairingUrl").GetString()!;
    }
}
