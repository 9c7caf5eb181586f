namespace OpsConsole.E2E.Infrastructure;

/// <summary>A headless Chromium (/usr/bin/chromium) and the Playwright driver behind it; closed together on dispose.</summary>
public sealed class Chromium : IAsyncDisposable
{
    private readonly IPlaywright playwright;

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        this.playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <param name="extraArgs">More Chromium switches (a kiosk's, e.g. --autoplay-policy=no-user-gesture-required).</param>
    public static async Task<Chromium> LaunchAsync(params string[] extraArgs)
    {
        // Generous for a loaded two-core machine; every wait is still on a condition, never a fixed delay.
        Assertions.SetDefaultExpectTimeout(20_000);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", .. extraArgs,
                ],
            });
            return new Chromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A new isolated session (own cookies) on <paramref name="baseAddress"/> at the viewport.</summary>
    public Task<BrowserSession> OpenAsync(Uri baseAddress, int width = 1366, int height = 768) =>
        BrowserSession.OpenAsync(Browser, baseAddress, width, height);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Browser.CloseAsync();
        }
        finally
        {
            playwright.Dispose();
        }
    }
}
