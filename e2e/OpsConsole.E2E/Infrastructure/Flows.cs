using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2E.Infrastructure;

/// <summary>User flows shared by the tests, written the way a person would do them.</summary>
public static partial class Flows
{
    public static async Task SignInAsync(IPage page, string user, string password)
    {
        ArgumentNullException.ThrowIfNull(page);
        await SubmitLoginAsync(page, user, password);
        await Expect(page).Not.ToHaveURLAsync(LoginPath());
        await Expect(page).Not.ToHaveURLAsync(ChangePasswordPath());
    }

    public static async Task SignInWithOneTimePasswordAsync(IPage page, string user, string oneTimePassword, string newPassword)
    {
        ArgumentNullException.ThrowIfNull(page);
        await SubmitLoginAsync(page, user, oneTimePassword);
        await Expect(page).ToHaveURLAsync(ChangePasswordPath());
        await Expect(page.GetByTestId("must-change")).ToBeVisibleAsync();
        await page.Locator("#current").FillAsync(oneTimePassword);
        await page.Locator("#new").FillAsync(newPassword);
        await page.Locator("#confirm").FillAsync(newPassword);
        await page.Locator("button[type=submit]").ClickAsync();
        await Expect(page).Not.ToHaveURLAsync(ChangePasswordPath());
        await Expect(page).Not.ToHaveURLAsync(LoginPath());
    }

    /// <summary>Waits until the System page's sample time has changed <paramref name="changes"/> times without a reload.</summary>
    public static async Task<IReadOnlyList<string>> WaitForLiveSamplesAsync(IPage page, int changes)
    {
        ArgumentNullException.ThrowIfNull(page);
        var sampledAt = page.GetByTestId("sampled-at");
        await Expect(sampledAt).ToHaveTextAsync(SampleTime());

        // A marker on window disappears if the page reloads: the changes must come over the live circuit.
        await page.EvaluateAsync("() => { window.__e2eNoReload = true; }");
        var seen = new List<string> { await sampledAt.InnerTextAsync() };
        for (var i = 0; i < changes; i++)
        {
            await Expect(sampledAt).Not.ToHaveTextAsync(seen[^1], new() { Timeout = 15_000 });
            await Expect(sampledAt).ToHaveTextAsync(SampleTime());
            seen.Add(await sampledAt.InnerTextAsync());
        }

        Assert.True(await page.EvaluateAsync<bool>("() => window.__e2eNoReload === true"), "The page reloaded");
        return seen;
    }

    [GeneratedRegex(@"/account/login(\?|$)")]
    public static partial Regex LoginPath();

    [GeneratedRegex(@"/account/change-password(\?|$)")]
    public static partial Regex ChangePasswordPath();

    [GeneratedRegex(@"^\d{2}:\d{2}:\d{2} UTC$")]
    public static partial Regex SampleTime();

    private static async Task SubmitLoginAsync(IPage page, string user, string password)
    {
        await page.GotoAsync("/account/login");
        await page.Locator("#username").FillAsync(user);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("button[type=submit]").ClickAsync();
    }
}
