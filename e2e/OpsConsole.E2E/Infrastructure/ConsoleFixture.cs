namespace OpsConsole.E2E.Infrastructure;

/// <summary>
/// One console process, one Chromium and a Viewer account, shared by the browser tests of a collection.
/// The bootstrap admin's one-time password is changed by whichever test signs in as admin first.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string AdminNewPassword = "e2e-admin-Password-1";
    public const string ViewerNewPassword = "e2e-viewer-Password-1";

    private readonly string dataDirectory = ConsoleProcess.NewDataDirectory();
    private readonly Account admin;
    private readonly Account viewer;
    private Chromium? chromium;
    private string? viewerOneTimePassword;

    public ConsoleFixture()
    {
        admin = new Account("admin", () => Console.InitialAdminPassword(), AdminNewPassword);
        viewer = new Account("viewer", () => viewerOneTimePassword!, ViewerNewPassword);
    }

    public ConsoleProcess Console { get; private set; } = null!;

    public IBrowser Browser => chromium!.Browser;

    public async Task InitializeAsync()
    {
        var consoleStart = ConsoleProcess.StartAsync(dataDirectory, "shared");
        var browserStart = Chromium.LaunchAsync();
        try
        {
            Console = await consoleStart;
        }
        finally
        {
            chromium = await browserStart;
        }

        viewerOneTimePassword = await Console.CreateUserAsync("viewer", "Viewer");
    }

    /// <summary>A new browser session (own cookies) on the console at the viewport, not signed in.</summary>
    public Task<BrowserSession> OpenAsync(int width = 1366, int height = 768, string timezoneId = "UTC") =>
        BrowserSession.OpenAsync(Browser, Console.BaseAddress, width, height, timezoneId);

    /// <summary>A new browser session at the viewport, signed in as admin.</summary>
    public Task<BrowserSession> OpenAsAdminAsync(int width = 1366, int height = 768, string timezoneId = "UTC") => OpenSignedInAsync(admin, width, height, timezoneId);

    /// <summary>A new browser session at the viewport, signed in as the Viewer account.</summary>
    public Task<BrowserSession> OpenAsViewerAsync(int width = 1366, int height = 768) => OpenSignedInAsync(viewer, width, height);

    /// <summary>Signs the page in as admin; the first time with the one-time password, which it then changes.</summary>
    public Task SignInAdminAsync(IPage page) => admin.SignInAsync(page);

    public Task SignInViewerAsync(IPage page) => viewer.SignInAsync(page);

    public async Task DisposeAsync()
    {
        try
        {
            if (chromium is not null)
            {
                await chromium.DisposeAsync();
            }

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
            admin.Dispose();
            viewer.Dispose();
        }
    }

    private async Task<BrowserSession> OpenSignedInAsync(Account account, int width, int height, string timezoneId = "UTC")
    {
        var session = await OpenAsync(width, height, timezoneId);
        try
        {
            await account.SignInAsync(session.Page);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>An account the tests share: signed in with its one-time password once (changing it), then with the new one.</summary>
    private sealed class Account(string user, Func<string> oneTimePassword, string newPassword) : IDisposable
    {
        private readonly SemaphoreSlim gate = new(1, 1);
        private bool passwordChanged;

        public async Task SignInAsync(IPage page)
        {
            await gate.WaitAsync();
            try
            {
                if (!passwordChanged)
                {
                    await Flows.SignInWithOneTimePasswordAsync(page, user, oneTimePassword(), newPassword);
                    passwordChanged = true;
                }
                else
                {
                    await Flows.SignInAsync(page, user, newPassword);
                }
            }
            finally
            {
                gate.Release();
            }
        }

        public void Dispose() => gate.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
