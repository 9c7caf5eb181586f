using Microsoft.Playwright;

namespace OpsConsole.E2E.Infrastructure;

/// <summary>
/// One console process, one Chromium and a Viewer account, shared by the browser tests of a collection.
/// The bootstrap admin's one-time password is changed by whichever test signs in as admin first.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string AdminNewPassword = "e2e-admin-Password-1";
    public const string ViewerNewPassword = "e2e-viewer-Password-1";

    private readonly SemaphoreSlim adminGate = new(1, 1);
    private readonly SemaphoreSlim viewerGate = new(1, 1);
    private readonly string dataDirectory = ConsoleProcess.NewDataDirectory();
    private IPlaywright? playwright;
    private bool adminPasswordChanged;
    private bool viewerPasswordChanged;
    private string? viewerOneTimePassword;

    public ConsoleProcess Console { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var consoleStart = ConsoleProcess.StartAsync(dataDirectory, "shared");
        var browserStart = LaunchBrowserAsync();
        try
        {
            Console = await consoleStart;
        }
        finally
        {
            (playwright, Browser) = await browserStart;
        }

        var output = await Console.RunAdminAsync("create-user", "--user", "viewer", "--role", "Viewer");
        viewerOneTimePassword = OneTimePasswordIn(output);
    }

    public Task<BrowserSession> OpenAsync(int width = 1366, int height = 768) =>
        BrowserSession.OpenAsync(Browser, Console.BaseAddress, width, height);

    /// <summary>Signs the page in as admin; the first time with the one-time password, which it then changes.</summary>
    public async Task SignInAdminAsync(IPage page)
    {
        await adminGate.WaitAsync();
        try
        {
            if (!adminPasswordChanged)
            {
                await Flows.SignInWithOneTimePasswordAsync(page, "admin", Console.InitialAdminPassword(), AdminNewPassword);
                adminPasswordChanged = true;
            }
            else
            {
                await Flows.SignInAsync(page, "admin", AdminNewPassword);
            }
        }
        finally
        {
            adminGate.Release();
        }
    }

    public async Task SignInViewerAsync(IPage page)
    {
        await viewerGate.WaitAsync();
        try
        {
            if (!viewerPasswordChanged)
            {
                await Flows.SignInWithOneTimePasswordAsync(page, "viewer", viewerOneTimePassword!, ViewerNewPassword);
                viewerPasswordChanged = true;
            }
            else
            {
                await Flows.SignInAsync(page, "viewer", ViewerNewPassword);
            }
        }
        finally
        {
            viewerGate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Browser is not null)
            {
                await Browser.CloseAsync();
            }

            playwright?.Dispose();
            if (Console is not null)
            {
                var exitCode = await Console.StopAsync();
                await Console.DisposeAsync();
                Assert.True(exitCode == 0, $"The console exited with {exitCode} after SIGTERM; log: {Console.LogPath}");
            }
        }
        finally
        {
            ConsoleProcess.DeleteDataDirectory(dataDirectory);
            adminGate.Dispose();
            viewerGate.Dispose();
        }
    }

    /// <param name="extraArgs">More Chromium switches (a kiosk's, e.g. --autoplay-policy=no-user-gesture-required).</param>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchBrowserAsync(params string[] extraArgs)
    {
        // Generous for a loaded two-core machine; every wait is still on a condition, never a fixed delay.
        Assertions.SetDefaultExpectTimeout(20_000);
        var playwright = await Playwright.CreateAsync();
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
        return (playwright, browser);
    }

    public static string OneTimePasswordIn(string adminOutput)
    {
        const string Prefix = "one-time password:";
        var line = adminOutput.Split('\n').LastOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No one-time password in the admin output:\n{adminOutput}");
        return line[Prefix.Length..].Trim();
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
