using System.Text.RegularExpressions;

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

    /// <summary>Signs a console's bootstrap admin in with the one-time password it wrote, changing it to <see cref="ConsoleFixture.AdminNewPassword"/>.</summary>
    public static Task SignInAsBootstrapAdminAsync(IPage page, ConsoleProcess console)
    {
        ArgumentNullException.ThrowIfNull(console);
        return SignInWithOneTimePasswordAsync(page, "admin", console.InitialAdminPassword(), ConsoleFixture.AdminNewPassword);
    }

    /// <summary>
    /// Answers the confirmation dialog a destructive button opened: checks that its title names the target, then presses
    /// the destructive button (<paramref name="confirm"/>) or Cancel, and waits until the dialog has closed.
    /// </summary>
    public static async Task AnswerConfirmationAsync(IPage page, string expectedTitle, bool confirm)
    {
        ArgumentNullException.ThrowIfNull(page);
        // The dialog's accessible name is its title (aria-labelledby), so finding it by name checks what it asks about.
        var dialog = ConfirmationDialog(page, expectedTitle);
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByTestId(confirm ? "confirm-accept" : "confirm-cancel").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
    }

    /// <summary>The open confirmation dialog whose title is <paramref name="title"/>.</summary>
    public static ILocator ConfirmationDialog(IPage page, string title)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.GetByRole(AriaRole.Dialog, new() { Name = title, Exact = true });
    }

    /// <summary>Goes to <paramref name="path"/> and waits until the circuit has rendered it interactively; the navigation's response.</summary>
    public static async Task<IResponse?> OpenInteractiveAsync(IPage page, string path)
    {
        ArgumentNullException.ThrowIfNull(page);
        var response = await page.GotoAsync(path);
        await WaitForInteractiveAsync(page);
        return response;
    }

    /// <summary>Goes to the System page and waits until a live sample has arrived (the circuit is up); the navigation's response.</summary>
    public static async Task<IResponse?> OpenSystemPageLiveAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var response = await page.GotoAsync("/system");
        await WaitForLiveSamplesAsync(page, changes: 1);
        return response;
    }

    /// <summary>Waits until the element shows another text than it does now (a value the live circuit pushes); the text it showed.</summary>
    public static async Task<string> WaitForTextChangeAsync(ILocator locator, float? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(locator);
        var shown = await locator.InnerTextAsync(new() { Timeout = timeout });
        await Expect(locator).Not.ToHaveTextAsync(shown, new() { Timeout = timeout });
        return shown;
    }

    /// <summary>Puts a marker on the page's window; it disappears if the page loads again (see <see cref="IsSamePageAsync"/>).</summary>
    public static Task MarkPageAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.EvaluateAsync("() => { window.__e2eSamePage = true; }");
    }

    /// <summary>Whether the page still carries the <see cref="MarkPageAsync"/> marker: it has not reloaded since.</summary>
    public static Task<bool> IsSamePageAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.EvaluateAsync<bool>("() => window.__e2eSamePage === true");
    }

    /// <summary>Waits until the System page's sample time has changed <paramref name="changes"/> times without a reload.</summary>
    public static async Task<IReadOnlyList<string>> WaitForLiveSamplesAsync(IPage page, int changes)
    {
        ArgumentNullException.ThrowIfNull(page);
        try
        {
            return await WaitForLiveSamplesCoreAsync(page, changes);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"No live samples on {page.Url}: {ex.Message}\n{await DescribeAsync(page)}", ex);
        }
    }

    /// <summary>
    /// Waits until the circuit has rendered the layout interactively. Prerendered HTML has no element-reference
    /// attributes (_bl_...); they appear once the interactive renderer has patched the DOM. Clicking a link before
    /// that races the circuit's start: the URL can change to /system while the circuit still renders the Overview.
    /// </summary>
    public static async Task WaitForInteractiveAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.WaitForFunctionAsync(
            "() => { const b = document.querySelector('[data-testid=theme-toggle]'); " +
            "return !!b && [...b.attributes].some(a => a.name.startsWith('_bl_')); }",
            null,
            new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 100 });
    }

    /// <summary>What the page showed (URL, main text, live indicator), for failure messages.</summary>
    public static async Task<string> DescribeAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        try
        {
            var path = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", $"failure-{DateTime.UtcNow:HHmmss.fff}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, Timeout = 5_000 });
            var text = await page.EvaluateAsync<string>(
                "() => `indicator=${document.querySelector('[data-live-indicator]')?.dataset.state} body=${document.body.innerText.slice(0, 600)}`");
            return $"screenshot {path}; {text}";
        }
        catch (PlaywrightException ex)
        {
            return $"(no page description: {ex.Message})";
        }
    }

    private static async Task<IReadOnlyList<string>> WaitForLiveSamplesCoreAsync(IPage page, int changes)
    {
        var sampledAt = page.GetByTestId("sampled-at");
        await Expect(sampledAt).ToHaveTextAsync(SampleTime());

        // The changes must come over the live circuit, not with a reload.
        await MarkPageAsync(page);
        var seen = new List<string> { await sampledAt.InnerTextAsync() };
        for (var i = 0; i < changes; i++)
        {
            await Expect(sampledAt).Not.ToHaveTextAsync(seen[^1], new() { Timeout = 15_000 });
            await Expect(sampledAt).ToHaveTextAsync(SampleTime());
            seen.Add(await sampledAt.InnerTextAsync());
        }

        Assert.True(await IsSamePageAsync(page), "The page reloaded");
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
