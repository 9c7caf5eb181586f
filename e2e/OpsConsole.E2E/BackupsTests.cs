using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace OpsConsole.E2E;

/// <summary>
/// Backups in the browser against the real console with its demo (SampleShop's database and the console's own are
/// managed, real pg_dump): Back up now followed live by a second person, and a deletion that needs a second person.
/// </summary>
public sealed class BackupsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string dataDirectory = ConsoleProcess.NewDataDirectory();
    private readonly Uri shop = new($"http://127.0.0.1:{ConsoleProcess.FreePort().ToString(CultureInfo.InvariantCulture)}/");
    private ConsoleProcess console = null!;

    public async Task InitializeAsync() =>
        console = await ConsoleProcess.StartAsync(dataDirectory, "backups", new Dictionary<string, string>
        {
            ["Demo__Enabled"] = "true",
            ["Demo__Urls"] = shop.ToString().TrimEnd('/'),
            // No start-up catch-up: every backup in these tests is one a person asked for, so none collides with a scheduled one.
            ["Backups__CatchUp"] = "false",
        });

    public async Task DisposeAsync()
    {
        await console.StopAsync();
        await console.DisposeAsync();
        ConsoleProcess.DeleteDataDirectory(dataDirectory);
    }

    [Fact]
    public async Task Back_up_now_on_sampleshop_is_followed_live_in_a_second_browser_and_the_new_backup_is_listed_with_its_checksum()
    {
        await using var chromium = await Chromium.LaunchAsync();
        var viewerPassword = await console.CreateUserAsync("vera", "Viewer");
        await using var admin = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await using var viewer = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await Flows.SignInAsBootstrapAdminAsync(admin.Page, console);
        await Flows.SignInWithOneTimePasswordAsync(viewer.Page, "vera", viewerPassword, "e2e-vera-Password-1");

        await Flows.OpenInteractiveAsync(viewer.Page, "/operations");
        await Flows.MarkPageAsync(viewer.Page);
        await Flows.OpenInteractiveAsync(admin.Page, "/databases/sampleshop");
        await Expect(admin.Page.GetByTestId("db-inventory-empty")).ToBeVisibleAsync();

        await admin.Page.GetByTestId("db-backup-now").ClickAsync();

        // The second person sees the operation appear and finish without reloading.
        var row = viewer.Page.Locator("[data-testid=operation-row]", new() { HasText = "Back up sampleshop (manual)" });
        await Expect(row).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(row.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 60_000 });
        Assert.True(await Flows.IsSamePageAsync(viewer.Page), "the operations list reloaded instead of updating live");
        await row.GetByTestId("operation-link").ClickAsync();
        await Expect(viewer.Page.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "succeeded");
        var log = viewer.Page.GetByTestId("operation-log-line");
        await Expect(log.Filter(new() { HasText = "sha256" }).First).ToBeVisibleAsync();
        await Expect(log.Filter(new() { HasText = "dumping " }).First).ToBeVisibleAsync(); // a table, as pg_dump reached it
        await Screenshots.SaveAsync(viewer.Page, "backup-operation-1366x768.png", output);

        // The admin's page lists the backup live, with the checksum the API gives.
        using var api = await console.AdminApiAsync();
        var listed = await api.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/databases/sampleshop/backups", UriKind.Relative));
        var backup = listed.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("manual", backup.GetProperty("purpose").GetString());
        Assert.True(backup.GetProperty("verified").GetBoolean());
        var sha = backup.GetProperty("sha256").GetString()!;
        var shown = admin.Page.GetByTestId("db-backup");
        await Expect(shown).ToHaveCountAsync(1);
        await Expect(shown.GetByTestId("db-backup-purpose")).ToHaveTextAsync("manual");
        await Expect(shown.GetByTestId("db-backup-sha")).ToHaveAttributeAsync("title", sha);
        Assert.StartsWith((await shown.GetByTestId("db-backup-sha").InnerTextAsync()).TrimEnd('…'), sha, StringComparison.Ordinal);
        await Screenshots.SaveAsync(admin.Page, "database-detail-1366x768.png", output);
    }

    [Fact]
    public async Task Deleting_a_backup_of_a_database_that_requires_approval_waits_for_a_second_person_who_approves_it()
    {
        using var api = await console.AdminApiAsync();
        for (var i = 0; i < 2; i++)
        {
            using var response = await api.PostAsJsonAsync(new Uri("/api/v1/databases/console/backups", UriKind.Relative), new { purpose = "manual" });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            await WaitForStateAsync(api, id, "succeeded");
        }

        await using var chromium = await Chromium.LaunchAsync();
        var srePassword = await console.CreateUserAsync("sid", "Sre");
        await using var admin = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await using var sre = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await Flows.SignInAsBootstrapAdminAsync(admin.Page, console);
        await Flows.SignInWithOneTimePasswordAsync(sre.Page, "sid", srePassword, "e2e-sid-Password-1");

        await Flows.OpenInteractiveAsync(admin.Page, "/databases/console");
        var rows = admin.Page.GetByTestId("db-backup");
        await Expect(rows).ToHaveCountAsync(2);
        var older = rows.Nth(1);
        var file = await older.GetAttributeAsync("data-backup");
        var fileName = await older.Locator("td").First.GetAttributeAsync("title") ?? throw new InvalidOperationException("the row names no file");
        await older.GetByTestId("db-backup-delete").ClickAsync();
        var dialog = Flows.ConfirmationDialog(admin.Page, $"Delete backup {fileName}?");
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.Locator("input[data-testid=confirm-typed], [data-testid=confirm-typed] input").First.FillAsync(fileName);
        await dialog.Locator("input[data-testid=confirm-reason], [data-testid=confirm-reason] input").First.FillAsync("two copies of the same night");
        await dialog.GetByTestId("confirm-accept").ClickAsync();
        await Expect(admin.Page.GetByText("waits for a second person's approval")).ToBeVisibleAsync();

        // The requester cannot approve their own request.
        var ops = await api.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/operations?active=true&target=database:console", UriKind.Relative));
        var op = ops.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("awaiting_approval", op.GetProperty("state").GetString());
        var opId = op.GetProperty("id").GetString()!;
        await Flows.OpenInteractiveAsync(admin.Page, $"/operations/{opId}");
        await Expect(admin.Page.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "awaiting approval");
        await Expect(admin.Page.GetByTestId("operation-approve-self")).ToContainTextAsync("a different person must approve it");
        await Flows.MarkPageAsync(admin.Page);

        // A second person approves; the requester's page follows live.
        await Flows.OpenInteractiveAsync(sre.Page, $"/operations/{opId}");
        await sre.Page.GetByTestId("operation-approve").ClickAsync();
        await Flows.AnswerConfirmationAsync(sre.Page, $"Approve “Delete backup {fileName}”?", confirm: true);
        await Expect(sre.Page.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 30_000 });
        await Expect(admin.Page.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 30_000 });
        await Expect(admin.Page.GetByTestId("operation-approved")).ToContainTextAsync("sid");
        Assert.True(await Flows.IsSamePageAsync(admin.Page), "the requester's page reloaded instead of updating live");
        await Screenshots.SaveAsync(admin.Page, "operation-approved-1366x768.png", output);

        var kept = await api.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/databases/console/backups", UriKind.Relative));
        Assert.DoesNotContain(kept.GetProperty("items").EnumerateArray(), b => b.GetProperty("id").GetString() == file);
        Assert.Equal(1, kept.GetProperty("total").GetInt32());
    }

    private static async Task WaitForStateAsync(HttpClient api, string id, string state)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        string? last = null;
        while (!deadline.IsCancellationRequested)
        {
            var detail = await api.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/operations/{id}", UriKind.Relative));
            last = detail.GetProperty("operation").GetProperty("state").GetString();
            if (last == state)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"operation {id} is {last}, not {state}");
    }
}
