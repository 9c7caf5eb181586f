using System.Net.Http.Json;
using System.Text.Json;

namespace OpsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class UserAdministrationTests(ConsoleFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Disabling_a_user_asks_in_a_dialog_naming_them_cancel_leaves_them_enabled_and_confirm_disables_them()
    {
        await fixture.Console.CreateUserAsync("erin", "Viewer");
        using var api = await fixture.Console.AdminApiAsync();
        await using var session = await fixture.OpenAsAdminAsync(1366, 768);
        var page = session.Page;
        await Flows.OpenInteractiveAsync(page, "/admin/users");
        var row = page.Locator("tr[data-user='erin']");
        await Expect(row.GetByTestId("user-status")).ToHaveTextAsync("active (one-time password)");

        // Asked, then cancelled: nothing happens.
        await row.GetByTestId("disable-user").ClickAsync();
        var dialog = Flows.ConfirmationDialog(page, "Disable user erin?");
        await Expect(dialog.GetByTestId("confirm-message")).ToContainTextAsync("Every API token of erin is revoked");
        await Expect(dialog.GetByTestId("confirm-accept")).ToHaveTextAsync("Disable erin");
        await Expect(dialog.GetByTestId("confirm-cancel")).ToBeFocusedAsync(); // Enter cancels
        await Screenshots.SaveAsync(page, "users-disable-dialog-1366x768.png", output);
        await Flows.AnswerConfirmationAsync(page, "Disable user erin?", confirm: false);
        await Expect(row.GetByTestId("user-status")).ToHaveTextAsync("active (one-time password)");
        Assert.False(await IsDisabledAsync(api, "erin"));

        // Asked, then confirmed: disabled, and the page says so.
        await row.GetByTestId("disable-user").ClickAsync();
        await Flows.AnswerConfirmationAsync(page, "Disable user erin?", confirm: true);
        await Expect(row.GetByTestId("user-status")).ToHaveTextAsync("disabled");
        await Expect(page.GetByTestId("users-message")).ToContainTextAsync("erin is disabled and signed out everywhere");
        Assert.True(await IsDisabledAsync(api, "erin"));
        await Screenshots.SaveAsync(page, "users-1366x768.png", output);
        session.Log.AssertClean();
    }

    [Fact]
    public async Task The_user_menu_leads_a_password_account_to_change_its_password()
    {
        await using var session = await fixture.OpenAsAdminAsync(1366, 768);
        var page = session.Page;
        await Flows.OpenInteractiveAsync(page, "/profile");

        await page.GetByTestId("signed-in-user").ClickAsync();
        await page.GetByTestId("change-password-link").ClickAsync();

        await Expect(page).ToHaveURLAsync(Flows.ChangePasswordPath());
        await Expect(page.Locator("#current")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("must-change")).ToHaveCountAsync(0);
        session.Log.AssertClean();
    }

    private static async Task<bool> IsDisabledAsync(HttpClient api, string userName)
    {
        var users = await api.GetFromJsonAsync<JsonElement>("/api/v1/users");
        return users.EnumerateArray().Single(u => u.GetProperty("userName").GetString() == userName).GetProperty("disabled").GetBoolean();
    }
}
