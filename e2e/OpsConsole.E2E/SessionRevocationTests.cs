using System.Net.Http.Json;
using System.Text.Json;

namespace OpsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class SessionRevocationTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task Disabling_a_user_sends_their_open_page_to_sign_in_without_a_reload()
    {
        var otp = await fixture.Console.CreateUserAsync("gina", "Sre");
        using var api = await fixture.Console.AdminApiAsync();

        await using var session = await fixture.OpenAsync();
        var page = session.Page;
        await Flows.SignInWithOneTimePasswordAsync(page, "gina", otp, "gina-e2e-Password-1");
        await Flows.OpenSystemPageLiveAsync(page); // the circuit is live

        var users = await api.GetFromJsonAsync<JsonElement>("/api/v1/users");
        var gina = users.EnumerateArray().Single(u => u.GetProperty("userName").GetString() == "gina").GetProperty("id").GetString();
        using var disabled = await api.PostAsync(new Uri($"/api/v1/users/{gina}/disable", UriKind.Relative), null);
        Assert.True(disabled.IsSuccessStatusCode, $"disable answered {(int)disabled.StatusCode}");

        // The open page learns it over the live event and leaves for the sign-in page by itself.
        await Expect(page).ToHaveURLAsync(Flows.LoginPath(), new() { Timeout = 15_000 });
        await Expect(page.Locator("#username")).ToBeVisibleAsync();
        await page.GotoAsync("/system");
        await Expect(page).ToHaveURLAsync(Flows.LoginPath()); // and the cookie no longer works either
        session.Log.AssertClean();
    }
}
