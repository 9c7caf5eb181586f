using System.Net.Http.Json;
using System.Security.Cryptography;

namespace OpsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class AuditPageTests(ConsoleFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task An_action_appears_live_at_the_top_and_a_csv_export_matches_its_manifest_hash()
    {
        using var api = await fixture.Console.AdminApiAsync();
        await using var session = await fixture.OpenAsAdminAsync(1366, 768);
        var page = session.Page;
        await Flows.OpenInteractiveAsync(page, "/audit");
        await Expect(page.GetByTestId("audit-seq").First).ToBeVisibleAsync();
        await Flows.MarkPageAsync(page);

        // Someone creates a user over the API; the open Audit page shows the record at the top by itself.
        using (var created = await api.PostAsJsonAsync("/api/v1/users", new { userName = "audit-e2e-user", role = "Viewer" }))
        {
            Assert.True(created.IsSuccessStatusCode, $"create user answered {(int)created.StatusCode}");
        }

        var top = page.Locator(".audit-row").First;
        await Expect(top).ToContainTextAsync("identity.user.created", new() { Timeout = 10_000 });
        Assert.True(await Flows.IsSamePageAsync(page), "The page reloaded");
        await Screenshots.SaveAsync(page, "audit-1366x768.png", output);

        // Its details: every field and both hashes.
        await top.ClickAsync();
        await Expect(page.GetByTestId("drawer-hash")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f]{64}$"));
        await Expect(page.GetByTestId("drawer-fields")).ToContainTextAsync("identity.user.created");
        await Screenshots.SaveAsync(page, "audit-drawer-1366x768.png", output);
        await page.GetByTestId("drawer-close").ClickAsync();

        // Export the current filter as CSV; the downloaded bytes hash to the manifest's SHA-256.
        await page.SetViewportSizeAsync(1920, 1080);
        await page.GetByTestId("export-csv").ClickAsync();
        var manifestHash = page.GetByTestId("manifest-sha256");
        await Expect(manifestHash).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f]{64}$"));
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("manifest-download").ClickAsync());
        var path = await download.PathAsync();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
        Assert.Equal(await manifestHash.InnerTextAsync(), sha256);
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        await Screenshots.SaveAsync(page, "audit-1920x1080.png", output);

        // Pause: new records are counted, not shown, until resumed.
        await page.GetByTestId("live-pause").ClickAsync();
        using (var created = await api.PostAsJsonAsync("/api/v1/users", new { userName = "audit-e2e-paused", role = "Viewer" }))
        {
            Assert.True(created.IsSuccessStatusCode);
        }

        await Expect(page.GetByTestId("live-pending")).ToContainTextAsync("new record", new() { Timeout = 10_000 });
        await page.GetByTestId("live-resume").ClickAsync();
        await Expect(page.GetByTestId("live-pending")).ToHaveCountAsync(0);
        session.Log.AssertClean();
    }
}
