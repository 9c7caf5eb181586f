using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace OpsConsole.E2E;

/// <summary>
/// Schema migrations in the browser against the real console with its demo (SampleShop's database managed, its real
/// migrations folder, two applied at first start and two pending): preview the SQL, rehearse on a copy of a real backup,
/// request the apply, a second person approves it in another browser after reading the SQL and the rehearsal, and both
/// browsers follow the live log to the end; SampleShop's database has the new column and index.
/// </summary>
public sealed class MigrationsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string dataDirectory = ConsoleProcess.NewDataDirectory();
    private readonly Uri shop = new($"http://127.0.0.1:{ConsoleProcess.FreePort().ToString(CultureInfo.InvariantCulture)}/");
    private ConsoleProcess console = null!;

    public async Task InitializeAsync()
    {
        var demo = new Dictionary<string, string>
        {
            ["Demo__Enabled"] = "true",
            ["Demo__Urls"] = shop.ToString().TrimEnd('/'),
            ["Demo__Traffic"] = "false",
            ["Backups__CatchUp"] = "false",
        };

        // A configured managed database replaces the demo's entry, so sampleshop is declared whole (the embedded cluster keeps
        // its port after a first start), with the demo's migrations folder and a second person required.
        await using (var first = await ConsoleProcess.StartAsync(dataDirectory, "migrations-init", demo))
        {
            Assert.Equal(0, await first.StopAsync());
        }

        var cluster = File.ReadAllText(Path.Combine(dataDirectory, "connection-string")).Trim();
        console = await ConsoleProcess.StartAsync(dataDirectory, "migrations", new Dictionary<string, string>(demo)
        {
            ["ManagedDatabases__sampleshop__ConnectionString"] = new NpgsqlConnectionStringBuilder(cluster) { Database = "sampleshop" }.ConnectionString,
            ["ManagedDatabases__sampleshop__Schedule"] = "0 0 1 1 *",
            ["ManagedDatabases__sampleshop__Rpo"] = "7h",
            ["ManagedDatabases__sampleshop__RequireApproval"] = "true",
            ["ManagedDatabases__sampleshop__Migrations__Path"] = Path.Combine(RepoPaths.Root, "src", "SampleShop", "Migrations"),
        });
    }

    public async Task DisposeAsync()
    {
        await console.StopAsync();
        await console.DisposeAsync();
        ConsoleProcess.DeleteDataDirectory(dataDirectory);
    }

    [Fact]
    public async Task Pending_migrations_are_previewed_rehearsed_approved_by_a_second_person_and_applied_with_the_log_live_in_both_browsers()
    {
        using var api = await console.AdminApiAsync();

        // The demo applies V1 and V2 once SampleShop has its baseline; V3 (a column) and V4 (a concurrent index) are pending.
        var status = await WaitForMigrationsAsync(api, s => s.GetProperty("pending").GetArrayLength() == 2);
        Assert.Equal(["applied", "applied", "pending", "pending"], status.GetProperty("migrations").EnumerateArray().Select(m => m.GetProperty("state").GetString()));

        // A rehearsal restores the newest verified backup: take one of SampleShop as it is now.
        using (var response = await api.PostAsJsonAsync(new Uri("/api/v1/databases/sampleshop/backups", UriKind.Relative), new { purpose = "manual" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await WaitForStateAsync(api, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, "succeeded");
        }

        await using var chromium = await Chromium.LaunchAsync();
        var srePassword = await console.CreateUserAsync("sam", "Sre");
        await using var admin = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await using var sre = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await Flows.SignInAsBootstrapAdminAsync(admin.Page, console);
        await Flows.SignInWithOneTimePasswordAsync(sre.Page, "sam", srePassword, "e2e-sam-Password-1");

        // Preview: from the database's page to its migrations; the pending column's SQL is shown line by line.
        await Flows.OpenInteractiveAsync(admin.Page, "/databases/sampleshop");
        await admin.Page.GetByTestId("db-migrations-link").ClickAsync();
        await Expect(admin.Page).ToHaveURLAsync(new Regex("/databases/sampleshop/migrations$"));
        await Flows.WaitForInteractiveAsync(admin.Page);
        await Expect(admin.Page.GetByTestId("migration-count").And(admin.Page.Locator("[data-state=pending]"))).ToHaveAttributeAsync("data-count", "2");
        var pendingColumn = admin.Page.GetByTestId("migrations-pending-file").And(admin.Page.Locator("[data-file='V3__customers_phone.sql']"));
        await Expect(pendingColumn.GetByTestId("sql-line").Filter(new() { HasText = "ADD COLUMN phone text" })).ToHaveCountAsync(1);
        await Expect(admin.Page.GetByTestId("migrations-no-rehearsal")).ToBeVisibleAsync();
        await SaveAsync(admin.Page, "migrations-pending");

        // Rehearse: an operation on a copy; the requester lands on it and it succeeds.
        await admin.Page.GetByTestId("migrations-rehearse").ClickAsync();
        await Expect(admin.Page).ToHaveURLAsync(new Regex("/operations/[0-9a-f-]{36}$"));
        await Expect(admin.Page.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 120_000 });
        await Expect(admin.Page.GetByTestId("operation-log-line").Filter(new() { HasText = "__rehearse_" }).First).ToBeVisibleAsync();

        // Back on the page the rehearsal of exactly these files is shown, with the locks the column took.
        await Flows.OpenInteractiveAsync(admin.Page, "/databases/sampleshop/migrations");
        var rehearsal = admin.Page.GetByTestId("migrations-rehearsal");
        await Expect(rehearsal).ToHaveAttributeAsync("data-outcome", "succeeded");
        await Expect(rehearsal.GetByTestId("migration-run-file").And(admin.Page.Locator("[data-file='V3__customers_phone.sql']")).GetByTestId("migration-run-locks"))
            .ToContainTextAsync("shop.customers");

        // Apply: the confirmation lists both files; the database needs a second person.
        await admin.Page.GetByTestId("migrations-apply").ClickAsync();
        var confirm = admin.Page.GetByTestId("migration-confirm");
        await Expect(confirm).ToBeVisibleAsync();
        await Expect(confirm.GetByTestId("migration-confirm-file")).ToHaveCountAsync(2);
        await SaveAsync(admin.Page, "migrations-apply-confirm");
        await admin.Page.GetByTestId("migration-confirm-accept").ClickAsync(); // MudDialog renders its actions beside the content
        await Expect(admin.Page).ToHaveURLAsync(new Regex("/operations/[0-9a-f-]{36}$"));
        var operationPath = new Uri(admin.Page.Url).AbsolutePath;
        await Expect(admin.Page.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "awaiting approval");
        await Expect(admin.Page.GetByTestId("operation-approve-self")).ToContainTextAsync("a different person must approve it");
        await Flows.MarkPageAsync(admin.Page);

        // The approver reads the SQL and the rehearsal on the operation's page, in another browser, then approves.
        await Flows.OpenInteractiveAsync(sre.Page, operationPath);
        var panel = sre.Page.GetByTestId("migration-panel");
        await Expect(panel.GetByTestId("migration-panel-file")).ToHaveCountAsync(2);
        await Expect(panel.GetByTestId("sql-line").Filter(new() { HasText = "CREATE INDEX CONCURRENTLY" })).ToHaveCountAsync(1);
        await Expect(panel.GetByTestId("migration-panel-rehearsal")).ToHaveAttributeAsync("data-outcome", "succeeded");
        await SaveAsync(sre.Page, "migrations-approval");
        await Flows.MarkPageAsync(sre.Page);
        var title = await sre.Page.GetByTestId("operation-title").InnerTextAsync();
        await sre.Page.GetByTestId("operation-approve").ClickAsync();
        await Flows.AnswerConfirmationAsync(sre.Page, $"Approve “{title}”?", confirm: true);

        // Both browsers follow it to the end without a reload: each statement of both files in the log, then succeeded.
        foreach (var page in new[] { admin.Page, sre.Page })
        {
            await Expect(page.GetByTestId("operation-state")).ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 120_000 });
            await Expect(page.GetByTestId("operation-log-line").Filter(new() { HasText = "V3__customers_phone.sql:2 ALTER TABLE shop.customers ADD COLUMN phone text" })).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("operation-log-line").Filter(new() { HasText = "V4__order_lines_product_index.sql:5 CREATE INDEX CONCURRENTLY" })).ToHaveCountAsync(1);
            Assert.True(await Flows.IsSamePageAsync(page), "a browser reloaded instead of following the log live");
        }

        await Expect(admin.Page.GetByTestId("operation-approved")).ToContainTextAsync("sam");
        await SaveAsync(admin.Page, "migrations-applied-log");

        // The database has the column and the index, and the page shows every migration applied, with the approver's name.
        await using (var connection = new NpgsqlConnection(ClusterConnectionString()))
        {
            await connection.OpenAsync();
            await using var check = new NpgsqlCommand(
                """
                SELECT (SELECT count(*) FROM information_schema.columns WHERE table_schema = 'shop' AND table_name = 'customers' AND column_name = 'phone'),
                       (SELECT count(*) FROM pg_indexes WHERE schemaname = 'shop' AND indexname = 'order_lines_product_idx'),
                       (SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank) FROM public.opsconsole_schema_history)
                """, connection);
            await using var reader = await check.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(1L, reader.GetInt64(0));
            Assert.Equal(1L, reader.GetInt64(1));
            Assert.Equal("1:true,2:true,3:true,4:true", reader.GetString(2));
        }

        await Flows.OpenInteractiveAsync(admin.Page, "/databases/sampleshop/migrations");
        await Expect(admin.Page.GetByTestId("migration-count").And(admin.Page.Locator("[data-state=applied]"))).ToHaveAttributeAsync("data-count", "4");
        await Expect(admin.Page.GetByTestId("migrations-nothing-pending")).ToBeVisibleAsync();
        await Expect(admin.Page.GetByTestId("migration-history-row").First).ToContainTextAsync("sam");
        await SaveAsync(admin.Page, "migrations-all-applied");
    }

    private string ClusterConnectionString() =>
        new NpgsqlConnectionStringBuilder(File.ReadAllText(Path.Combine(dataDirectory, "connection-string")).Trim()) { Database = "sampleshop", Pooling = false }.ConnectionString;

    private async Task SaveAsync(IPage page, string name)
    {
        await Screenshots.SaveAsync(page, $"{name}-1366.png", output);
        await page.SetViewportSizeAsync(1920, 1080);
        await Screenshots.SaveAsync(page, $"{name}-1920.png", output);
        await page.SetViewportSizeAsync(1366, 768);
    }

    private static async Task<JsonElement> WaitForMigrationsAsync(HttpClient api, Func<JsonElement, bool> done)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        JsonElement last = default;
        while (!deadline.IsCancellationRequested)
        {
            last = await api.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/databases/sampleshop/migrations", UriKind.Relative));
            if (done(last))
            {
                return last;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the migrations of sampleshop did not reach the expected state: {last}");
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
