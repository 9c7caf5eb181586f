namespace OpsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class DisplayPairingTests(ConsoleFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task An_admin_pairs_a_display_in_another_browser_and_revoking_it_switches_its_open_wall_without_a_reload()
    {
        await using var adminSession = await fixture.OpenAsAdminAsync(1366, 768);
        var admin = adminSession.Page;
        await Flows.OpenInteractiveAsync(admin, "/admin/displays");

        await admin.GetByTestId("add-display").ClickAsync();
        await admin.Locator("input[data-testid=display-name], [data-testid=display-name] input").First.FillAsync("E2E lobby");
        await admin.GetByTestId("add-display-create").ClickAsync();
        var urlField = admin.Locator("input[data-testid=pairing-url], [data-testid=pairing-url] input").First;
        await Expect(urlField).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("/display/pair\\?code=[A-Z2-9]{5}-[A-Z2-9]{5}$"));
        var pairingUrl = await urlField.InputValueAsync();
        await Screenshots.SaveAsync(admin, "displays-new-link-1366x768.png", output);

        // The display: its own browser context, no keyboard; opening the link is all it takes.
        await using var tvSession = await fixture.OpenAsync(1920, 1080);
        var tv = tvSession.Page;
        await tv.GotoAsync(pairingUrl);
        await Expect(tv).ToHaveURLAsync(new Uri(fixture.Console.BaseAddress, "wall").ToString());
        await Expect(tv.GetByTestId("wall-name")).ToHaveTextAsync("E2E lobby");
        await Expect(tv.GetByTestId("wall-kind")).ToHaveTextAsync("Paired display");
        await Flows.WaitForTextChangeAsync(tv.GetByTestId("wall-clock"), 15_000); // the clock ticks: the circuit is live
        await Flows.MarkPageAsync(tv);
        await Screenshots.SaveAsync(tv, "wall-1920x1080.png", output);
        await tv.SetViewportSizeAsync(1366, 768);
        await Screenshots.SaveAsync(tv, "wall-1366x768.png", output);

        await admin.GetByTestId("pairing-done").ClickAsync();
        var row = admin.Locator("tr[data-display='E2E lobby']");
        await Expect(row.GetByTestId("display-status")).ToHaveTextAsync("paired");
        await Screenshots.SaveAsync(admin, "displays-1366x768.png", output);
        await admin.SetViewportSizeAsync(1920, 1080);
        await Screenshots.SaveAsync(admin, "displays-1920x1080.png", output);

        await row.GetByTestId("revoke-display").ClickAsync();
        await Flows.AnswerConfirmationAsync(admin, "Revoke display E2E lobby?", confirm: true);
        await Expect(row.GetByTestId("display-status")).ToHaveTextAsync("revoked");

        // The open wall learns it over the live event and shows the revoked screen in the same page.
        await Expect(tv.GetByTestId("display-revoked")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(tv.GetByTestId("wall")).ToHaveCountAsync(0);
        Assert.True(await Flows.IsSamePageAsync(tv), "The display's page reloaded");
        Assert.EndsWith("/wall", tv.Url, StringComparison.Ordinal);
        await Screenshots.SaveAsync(tv, "wall-revoked-1366x768.png", output);

        // Reloaded (a power cycle), it is no longer signed in and lands on the pairing page.
        await tv.ReloadAsync();
        await Expect(tv).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/display/pair"));
        await Expect(tv.GetByTestId("pair-needed")).ToBeVisibleAsync();

        adminSession.Log.AssertClean();
        tvSession.Log.AssertClean();
    }
}
