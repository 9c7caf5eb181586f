using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace OpsConsole.E2E;

/// <summary>
/// A restore in the browser against the real console with its demo (SampleShop's database managed, real pg_dump and
/// pg_restore): plan it, type the name, a second person approves it in another browser, the requester follows it live,
/// and SampleShop serves the backup's data again.
/// </summary>
public sealed class RestoresTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ProbeApplication = "e2e-restore-probe";
    private const int ProbeCustomer = 990_001;

    private readonly string dataDirectory = ConsoleProcess.NewDataDirectory();
    private readonly Uri shop = new($"http://127.0.0.1:{ConsoleProcess.FreePort().ToString(CultureInfo.InvariantCulture)}/");
    private ConsoleProcess console = null!;

    public async Task InitializeAsync()
    {
        var demo = new Dictionary<string, string>
        {
            ["Demo__Enabled"] = "true",
            ["Demo__Urls"] = shop.ToString().TrimEnd('/'),
            // No generated traffic: this test's requests to SampleShop are the only ones (none is rate-limited or blocked by its lock).
            ["Demo__Traffic"] = "false",
            ["Backups__CatchUp"] = "false",
        };

        // A configured managed database replaces the demo's entry of the same name, so sampleshop is declared whole, with
        // the embedded cluster's address, which exists after a first start (the cluster keeps its port).
        await using (var first = await ConsoleProcess.StartAsync(dataDirectory, "restores-init", demo))
        {
            Assert.Equal(0, await first.StopAsync());
        }

        var cluster = File.ReadAllText(Path.Combine(dataDirectory, "connection-string")).Trim();
        console = await ConsoleProcess.StartAsync(dataDirectory, "restores", new Dictionary<string, string>(demo)
        {
            ["ManagedDatabases__sampleshop__ConnectionString"] = new NpgsqlConnectionStringBuilder(cluster) { Database = "sampleshop" }.ConnectionString,
            ["ManagedDatabases__sampleshop__Schedule"] = "0 0 1 1 *", // yearly: no scheduled backup meets the test's
            ["ManagedDatabases__sampleshop__Rpo"] = "7h",
            // The restore waits for a second person.
            ["ManagedDatabases__sampleshop__RequireApproval"] = "true",
        });
    }

    public async Task DisposeAsync()
    {
        await console.StopAsync();
        await console.DisposeAsync();
        ConsoleProcess.DeleteDataDirectory(dataDirectory);
    }

    [Fact]
    public async Task A_restore_of_sampleshop_is_planned_confirmed_by_name_approved_by_a_second_person_followed_live_and_brings_back_the_backups_data()
    {
        using var api = await console.AdminApiAsync();
        using var shopApi = new HttpClient { BaseAddress = shop };

        // The backup to restore: SampleShop's data as it is now.
        using (var response = await api.PostAsJsonAsync(new Uri("/api/v1/databases/sampleshop/backups", UriKind.Relative), new { purpose = "manual" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await WaitForStateAsync(api, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, "succeeded");
        }

        // Changes after the backup, in SampleShop's own database: a new customer and a renamed one. The session stays open
        // (the plan lists it among those the swap ends).
        await using var probe = new NpgsqlConnection(ShopConnectionString());
        await probe.OpenAsync();
        var originalName = await CustomerNameAsync(shopApi, 1);
        await ExecuteAsync(probe, "UPDATE shop.customers SET full_name = 'Changed After The Backup' WHERE id = 1");
        await ExecuteAsync(probe, $"INSERT INTO shop.customers (id, full_name, email, country, created_at) VALUES ({ProbeCustomer}, 'Restore Probe', 'restore-probe@example.test', 'DE', now())");
        Assert.Equal("Changed After The Backup", await CustomerNameAsync(shopApi, 1));
        Assert.Equal("Restore Probe", await CustomerNameAsync(shopApi, ProbeCustomer));

        await using var chromium = await Chromium.LaunchAsync();
        var srePassword = await console.CreateUserAsync("sid", "Sre");
        await using var admin = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await using var sre = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await Flows.SignInAsBootstrapAdminAsync(admin.Page, console);
        await Flows.SignInWithOneTimePasswordAsync(sre.Page, "sid", srePassword, "e2e-sid-Password-1");

        // Plan from the database's page: the latest verified backup, into sampleshop itself.
        await Flows.OpenInteractiveAsync(admin.Page, "/databases/sampleshop");
        await admin.Page.GetByTestId("db-restore").ClickAsync();
        await Expect(admin.Page).ToHaveURLAsync(new Regex("/databases/sampleshop/restore$"));
        await admin.Page.GetByTestId("restore-plan-button").ClickAsync();
        var plan = admin.Page.GetByTestId("restore-plan");
        await Expect(plan).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(plan).ToHaveAttributeAsync("data-can-run", "true");
        await Expect(admin.Page.GetByTestId("restore-problems")).ToHaveCountAsync(0);
        await Expect(admin.Page.GetByTestId("restore-plan-approval")).ToHaveAttributeAsync("data-needs-approval", "true");
        await Expect(admin.Page.GetByTestId("restore-connection").Filter(new() { HasText = ProbeApplication })).ToHaveCountAsync(1);
        await Expect(admin.Page.GetByTestId("restore-step")).ToHaveCountAsync(6);
        await SaveAsync(admin.Page, "restore-plan");

        // A wrong name keeps the button disabled; only the exact one enables it.
        var typed = admin.Page.Locator("input[data-testid=restore-typed]");
        var submit = admin.Page.GetByTestId("restore-submit");
        await Expect(submit).ToBeDisabledAsync();
        foreach (var wrong in new[] { "SampleShop", "sampleshop ", "sample" })
        {
            await typed.FillAsync(wrong);
            await Expect(submit).ToBeDisabledAsync();
        }

        await typed.FillAsync("sampleshop");
        await Expect(submit).ToBeEnabledAsync();
        await submit.ClickAsync();

        // The requester lands on the operation, which waits for a second person; every page says so.
        await Expect(admin.Page).ToHaveURLAsync(new Regex("/operations/[0-9a-f-]{36}$"));
        var operationPath = new Uri(admin.Page.Url).AbsolutePath;
        await Expect(admin.Page.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "awaiting approval");
        await Expect(admin.Page.GetByTestId("restore-banner-text")).ToHaveTextAsync("Restore of sampleshop awaits approval (requested by admin)");
        await Expect(admin.Page.GetByTestId("operation-approve-self")).ToContainTextAsync("a different person must approve it");
        await SaveAsync(admin.Page, "restore-banner-approval");
        await Flows.MarkPageAsync(admin.Page);

        // Hold the pre-restore backup at its start (it reads every table), so the run can be watched while it runs.
        await using var hold = await probe.BeginTransactionAsync();
        await ExecuteAsync(probe, "LOCK TABLE shop.customers IN ACCESS EXCLUSIVE MODE", hold);

        // A second person approves in another browser.
        await Flows.OpenInteractiveAsync(sre.Page, operationPath);
        await Expect(sre.Page.GetByTestId("restore-banner-text")).ToHaveTextAsync("Restore of sampleshop awaits approval (requested by admin)");
        var title = await sre.Page.GetByTestId("operation-title").InnerTextAsync();
        await sre.Page.GetByTestId("operation-approve").ClickAsync();
        await Expect(Flows.ConfirmationDialog(sre.Page, $"Approve “{title}”?")).ToBeVisibleAsync();
        await SaveAsync(sre.Page, "restore-approval");
        await Flows.AnswerConfirmationAsync(sre.Page, $"Approve “{title}”?", confirm: true);

        // The requester's page follows live: running, at its second step, with the banner saying so; the wall too.
        await Expect(admin.Page.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "running", new() { Timeout = 30_000 });
        await Expect(admin.Page.GetByTestId("operation-step")).ToContainTextAsync("step 2 of 6", new() { Timeout = 30_000 });
        await Expect(admin.Page.GetByTestId("restore-banner-text")).ToContainTextAsync("Restore of sampleshop in progress, step 2 of 6");
        await Expect(admin.Page.GetByTestId("operation-approved")).ToContainTextAsync("sid");
        await SaveAsync(admin.Page, "restore-banner-running");
        var wall = await admin.Context.NewPageAsync();
        await wall.SetViewportSizeAsync(1920, 1080);
        await wall.GotoAsync("/wall");
        await Expect(wall.GetByTestId("wall-restore-text")).ToContainTextAsync("Restore of sampleshop in progress, step 2 of 6");
        await Screenshots.SaveAsync(wall, "restore-wall-1920.png", output);
        await wall.CloseAsync();
        await hold.RollbackAsync();

        await Expect(admin.Page.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 120_000 });
        await Expect(admin.Page.GetByTestId("restore-banner")).ToHaveCountAsync(0);
        await Expect(admin.Page.GetByTestId("operation-log-line").Filter(new() { HasText = "step 5 of 6" }).First).ToBeVisibleAsync();
        Assert.True(await Flows.IsSamePageAsync(admin.Page), "the requester's page reloaded instead of updating live");

        // SampleShop serves the backup's data: the customer added since is gone, the renamed one has its name back.
        await WaitForStatusAsync(shopApi, $"/api/customers/{ProbeCustomer}", HttpStatusCode.NotFound);
        Assert.Equal(originalName, await CustomerNameAsync(shopApi, 1));

        // The database's page lists the restore: who asked, who approved, the swap's gap, and the way back.
        await Flows.OpenInteractiveAsync(admin.Page, "/databases/sampleshop");
        var row = admin.Page.GetByTestId("restore-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToHaveAttributeAsync("data-state", "succeeded");
        await Expect(row.GetByTestId("restore-row-requested")).ToHaveTextAsync("requested by admin");
        await Expect(row.GetByTestId("restore-row-approved")).ToHaveTextAsync("approved by sid");
        await Expect(row.GetByTestId("restore-row-gap")).ToHaveTextAsync(new Regex(@"^[\d,]+ ms$"));
        await Expect(row.GetByTestId("restore-swap-back")).ToBeVisibleAsync();
        await SaveAsync(admin.Page, "restore-history");
    }

    /// <summary>SampleShop's own role and database in the console's embedded cluster, as a named session.</summary>
    private string ShopConnectionString()
    {
        var cluster = File.ReadAllText(Path.Combine(dataDirectory, "connection-string")).Trim();
        var password = File.ReadAllText(Path.Combine(dataDirectory, "sampleshop-role-password")).Trim();
        return new NpgsqlConnectionStringBuilder(cluster)
        {
            Database = "sampleshop", Username = "sampleshop", Password = password, ApplicationName = ProbeApplication, Pooling = false,
        }.ConnectionString;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> CustomerNameAsync(HttpClient shopApi, int id)
    {
        using var response = await shopApi.GetAsync(new Uri($"/api/customers/{id}", UriKind.Relative));
        Assert.True(response.IsSuccessStatusCode, $"GET /api/customers/{id}: {(int)response.StatusCode}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("fullName").GetString()!;
    }

    /// <summary>Both sizes a person uses: a laptop and a full-HD screen, full page.</summary>
    private async Task SaveAsync(IPage page, string name)
    {
        await Screenshots.SaveAsync(page, $"{name}-1366.png", output);
        await page.SetViewportSizeAsync(1920, 1080);
        await Screenshots.SaveAsync(page, $"{name}-1920.png", output);
        await page.SetViewportSizeAsync(1366, 768);
    }

    /// <summary>
    /// Waits until SampleShop answers <paramref name="expected"/>: right after the swap its pooled sessions were ended, so
    /// a request may fail once before its pool reconnects to the restored database.
    /// </summary>
    private static async Task WaitForStatusAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        HttpStatusCode? last = null;
        while (!deadline.IsCancellationRequested)
        {
            using (var response = await client.GetAsync(new Uri(path, UriKind.Relative)))
            {
                last = response.StatusCode;
                if (last == expected)
                {
                    return;
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"GET {path} answers {last}, not {expected}");
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
