using System.Globalization;

namespace OpsConsole.E2E;

/// <summary>
/// The secrets inventory on /keys against the real console with its demo (three SampleShop secrets, none recorded): a
/// viewer sees them as needing a first record and has no Record button; an admin records a rotation through the dialog
/// (a future time refused on its field first); the viewer's page shows it live. Screenshots at 1366x768 and 1920x1080.
/// </summary>
public sealed class SecretsInventoryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string dataDirectory = ConsoleProcess.NewDataDirectory();
    private readonly Uri shop = new($"http://127.0.0.1:{ConsoleProcess.FreePort().ToString(CultureInfo.InvariantCulture)}/");
    private ConsoleProcess console = null!;

    public async Task InitializeAsync() =>
        console = await ConsoleProcess.StartAsync(dataDirectory, "secrets", new Dictionary<string, string>
        {
            ["Demo__Enabled"] = "true",
            ["Demo__Urls"] = shop.ToString().TrimEnd('/'),
            ["Demo__Traffic"] = "false",
            ["Backups__CatchUp"] = "false",
        });

    public async Task DisposeAsync()
    {
        await console.StopAsync();
        await console.DisposeAsync();
        ConsoleProcess.DeleteDataDirectory(dataDirectory);
    }

    [Fact]
    public async Task An_admin_records_a_rotation_and_a_viewer_sees_it_live()
    {
        await using var chromium = await Chromium.LaunchAsync();
        var viewerPassword = await console.CreateUserAsync("vera", "Viewer");
        await using var admin = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await using var viewer = await chromium.OpenAsync(console.BaseAddress, 1920, 1080);
        await Flows.SignInAsBootstrapAdminAsync(admin.Page, console);
        await Flows.SignInWithOneTimePasswordAsync(viewer.Page, "vera", viewerPassword, "e2e-vera-Password-1");

        // The viewer: three declared secrets, none recorded, no Record button.
        await Flows.OpenInteractiveAsync(viewer.Page, "/keys");
        var viewerRows = viewer.Page.GetByTestId("secret-row");
        await Expect(viewerRows).ToHaveCountAsync(3);
        await Expect(viewer.Page.Locator("[data-testid=secret-row][data-state=unknown]")).ToHaveCountAsync(3);
        await Expect(viewer.Page.GetByTestId("secret-record")).ToHaveCountAsync(0);
        await Flows.MarkPageAsync(viewer.Page);

        // The admin: a future time is refused on its field; then the default (now) with a note is recorded.
        await Flows.OpenInteractiveAsync(admin.Page, "/keys");
        var payment = admin.Page.Locator("[data-testid=secret-row][data-secret=sampleshop-payment-api]");
        await Expect(payment).ToHaveAttributeAsync("data-state", "unknown");
        await Screenshots.SaveAsync(admin.Page, "keys-secrets-1366x768.png", output);
        await payment.GetByTestId("secret-record").ClickAsync();
        await Expect(admin.Page.GetByTestId("secret-record-dialog")).ToBeVisibleAsync();
        var at = admin.Page.Locator("[data-testid=secret-record-at-field] input");
        var now = await at.InputValueAsync();
        await at.FillAsync(DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await admin.Page.GetByTestId("secret-record-submit").ClickAsync();
        await Expect(admin.Page.Locator("[data-testid=secret-record-at-field]")).ToContainTextAsync("in the future");
        await at.FillAsync(now);
        await admin.Page.Locator("[data-testid=secret-record-note-field] textarea").FillAsync("e2e: rolled in the provider dashboard, CHG-42");
        await Screenshots.SaveAsync(admin.Page, "secret-record-dialog-1366x768.png", output);
        await admin.Page.GetByTestId("secret-record-submit").ClickAsync();
        await Expect(admin.Page.GetByTestId("secret-record-dialog")).ToHaveCountAsync(0);
        await Expect(admin.Page.GetByTestId("secrets-recorded")).ToContainTextAsync("Rotation of sampleshop-payment-api recorded");
        await Expect(payment).ToHaveAttributeAsync("data-state", "ok");

        // The viewer's page follows without a reload.
        var seen = viewer.Page.Locator("[data-testid=secret-row][data-secret=sampleshop-payment-api]");
        await Expect(seen).ToHaveAttributeAsync("data-state", "ok", new() { Timeout = 30_000 });
        await Expect(seen.GetByTestId("secret-last-by")).ToHaveTextAsync("admin");
        Assert.True(await Flows.IsSamePageAsync(viewer.Page), "the viewer's Keys page reloaded instead of updating live");
        await seen.GetByTestId("secret-history-toggle").ClickAsync();
        await Expect(viewer.Page.GetByTestId("secret-history-entry")).ToContainTextAsync("CHG-42");
        await Screenshots.SaveAsync(viewer.Page, "keys-secrets-1920x1080.png", output);
    }
}
