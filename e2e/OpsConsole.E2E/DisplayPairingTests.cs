using Microsoft.Playwright;
using OpsConsole.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class DisplayPairingTests(ConsoleFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task An_admin_pairs_a_display_in_another_browser_and_revoking_it_switches_its_open_wall_without_a_reload()
    {
        await using var adminSession = await fixture.OpenAsync(1366, 768);
        var admin = adminSession.Page;
        await fixture.SignInAdminAsync(admin);
        await admin.GotoAsync("/admin/displays");
        await Flows.WaitForInteractiveAsync(admin);

        await admin.GetByTestId("add-display").ClickAsync();
        await admin.Locator("input[data-testid=display-name], [data-testid=display-name] input").First.FillAsync("E2E lobby");
        await admin.GetByTestId("add-display-create").ClickAsync();
        var urlField = admin.Locator("input[data-testid=pairing-url], [data-testid=pairing-url] input").First;
        await Expect(urlField).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("/display/pair\\?code=[A-Z2-9]{5}-[A-Z2-9]{5}$"));
        var pairingUrl = await urlField.InputValueAsync();
        await ShotAsync(admin, "displays-new-link-1366x768.png");

        // The display: its own browser context, no keyboard; opening the link is all it takes.
        await using var tvSession = await fixture.OpenAsync(1920, 1080);
        var tv = tvSession.Page;
        await tv.GotoAsync(pairingUrl);
        await Expect(tv).ToHaveURLAsync(new Uri(fixture.Console.BaseAddress, "wall").ToString());
        await Expect(tv.GetByTestId("wall-name")).ToHaveTextAsync("E2E lobby");
        await Expect(tv.GetByTestId("wall-kind")).ToHaveTextAsync("Paired display");
        await WaitForClockToTickAsync(tv); // the circuit is live
        await tv.EvaluateAsync("() => { window.__e2eNoReload = true; }");
        await ShotAsync(tv, "wall-1920x1080.png");
        await tv.SetViewportSizeAsync(1366, 768);
        await ShotAsync(tv, "wall-1366x768.png");

        await admin.GetByTestId("pairing-done").ClickAsync();
        var row = admin.Locator("tr[data-display='E2E lobby']");
        await Expect(row.GetByTestId("display-status")).ToHaveTextAsync("paired");
        await ShotAsync(admin, "displays-1366x768.png");
        await admin.SetViewportSizeAsync(1920, 1080);
        await ShotAsync(admin, "displays-1920x1080.png");

        await row.GetByTestId("revoke-display").ClickAsync();
        await row.GetByTestId("confirm-revoke-display").ClickAsync();
        await Expect(row.GetByTestId("display-status")).ToHaveTextAsync("revoked");

        // The open wall learns it over the live event and shows the revoked screen in the same page.
        await Expect(tv.GetByTestId("display-revoked")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(tv.GetByTestId("wall")).ToHaveCountAsync(0);
        Assert.True(await tv.EvaluateAsync<bool>("() => window.__e2eNoReload === true"), "The display's page reloaded");
        Assert.EndsWith("/wall", tv.Url, StringComparison.Ordinal);
        await ShotAsync(tv, "wall-revoked-1366x768.png");

        // Reloaded (a power cycle), it is no longer signed in and lands on the pairing page.
        await tv.ReloadAsync();
        await Expect(tv).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/display/pair"));
        await Expect(tv.GetByTestId("pair-needed")).ToBeVisibleAsync();

        adminSession.Log.AssertClean();
        tvSession.Log.AssertClean();
    }

    private static async Task WaitForClockToTickAsync(IPage page)
    {
        var clock = page.GetByTestId("wall-clock");
        var first = await clock.InnerTextAsync();
        await Expect(clock).Not.ToHaveTextAsync(first, new() { Timeout = 15_000 });
    }

    private async Task ShotAsync(IPage page, string fileName)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 0, $"empty screenshot {path}");
        output.WriteLine($"screenshot: {path}");
    }
}
