using System.Net;

namespace OpsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class ApiTokenTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_token_created_on_the_profile_page_calls_the_api_until_it_is_revoked()
    {
        await using var session = await fixture.OpenAsAdminAsync();
        var page = session.Page;
        await Flows.OpenInteractiveAsync(page, "/profile");

        await page.GetByTestId("new-token").ClickAsync();
        var name = page.Locator("input[data-testid=token-name], [data-testid=token-name] input").First;
        await name.FillAsync("e2e pipeline");
        await page.GetByTestId("token-create").ClickAsync();
        var secretField = page.Locator("input[data-testid=token-secret], [data-testid=token-secret] input").First;
        await Expect(secretField).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^opc_"));
        var secret = await secretField.InputValueAsync();

        using var api = fixture.Console.ApiClient(secret);
        using (var me = await api.GetAsync(new Uri("/api/v1/me", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            Assert.Contains("e2e pipeline", await me.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await page.GetByTestId("token-done").ClickAsync();
        await Expect(page.GetByTestId("token-secret")).ToHaveCountAsync(0); // shown once, then gone
        var row = page.Locator("tr[data-token='e2e pipeline']");
        await row.GetByTestId("revoke").ClickAsync();
        await Flows.AnswerConfirmationAsync(page, "Revoke API token e2e pipeline?", confirm: true);
        await Expect(row.GetByTestId("token-status")).ToHaveTextAsync("revoked");
        await Expect(page.GetByTestId("profile-message")).ToHaveTextAsync("Token e2e pipeline is revoked; calls with it now get 401.");

        using var revoked = await api.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Contains("revoked", await revoked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        session.Log.AssertClean();
    }
}
