using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

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

    [Fact]
    public async Task Targets_show_names_presets_search_the_reason_fits_1366_and_times_are_in_the_viewers_zone()
    {
        // Signed in first: a first sign-in changes the admin's password, which is an account change of its own.
        await using var session = await fixture.OpenAsAdminAsync(1366, 768, "Europe/Paris");
        var page = session.Page;
        await fixture.Console.CreateUserAsync("fabian", "Viewer");
        using var api = await fixture.Console.AdminApiAsync();
        var users = await api.GetFromJsonAsync<JsonElement>("/api/v1/users");
        var fabian = users.EnumerateArray().Single(u => u.GetProperty("userName").GetString() == "fabian").GetProperty("id").GetString();
        using (var disabled = await api.PostAsync(new Uri($"/api/v1/users/{fabian}/disable", UriKind.Relative), null))
        {
            Assert.True(disabled.IsSuccessStatusCode, $"disable answered {(int)disabled.StatusCode}");
        }

        await Flows.OpenInteractiveAsync(page, "/audit");
        await Expect(page.GetByTestId("time-zone")).ToHaveTextAsync(new Regex(@"^Times in UTC\+0[12]:00 \(Europe/Paris\)$"));

        // "Account changes" is identity.user: the disable is on top, its target named, not an id.
        await page.GetByTestId("preset-account-changes").ClickAsync();
        var top = page.Locator(".audit-row").First;
        await Expect(top.GetByTestId("audit-action")).ToHaveTextAsync("identity.user.disabled");
        await Expect(top.GetByTestId("audit-target")).ToHaveTextAsync(new Regex(@"^\s*user\s+fabian\s*$"));
        await Expect(top.GetByTestId("audit-target")).ToHaveAttributeAsync("title", $"user fabian ({fabian})");

        // The time is the record's, written in Paris time.
        var record = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/audit?action=identity.user.disabled&targetId={fabian}&limit=1")).GetProperty("items")[0];
        var paris = TimeZoneInfo.ConvertTime(record.GetProperty("occurredAt").GetDateTimeOffset(), TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));
        await Expect(top.GetByTestId("audit-time")).ToHaveTextAsync(paris.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));

        // The reason column is on screen at 1366 px, with room to read.
        var reason = page.Locator(".audit-grid th", new() { HasText = "Reason" });
        var box = await reason.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.X + box.Width <= 1366 && box.Width >= 200, $"reason column at x={box.X} width={box.Width}");
        var overflow = await page.EvaluateAsync<string>(
            "() => { const d = document.documentElement; return d.scrollWidth > d.clientWidth || d.scrollHeight > d.clientHeight ? `${d.scrollWidth}x${d.scrollHeight}` : ''; }");
        Assert.True(overflow.Length == 0, $"the page scrolls at 1366x768: {overflow}"); // the grid scrolls, not the page
        await Screenshots.SaveAsync(page, "audit-account-changes-1366x768.png", output);

        // The reader's own searches are hidden from the list (and its tail) until asked for. Other people's reads stay
        // (this console is shared with other tests, whose users' searches, the Overview's recent changes among them,
        // are theirs to hide, not the admin's).
        await page.GetByTestId("filter-clear").ClickAsync();
        var adminId = users.EnumerateArray().Single(u => u.GetProperty("userName").GetString() == "admin").GetProperty("id").GetString();
        var ownReads = page.Locator(".audit-row", new() { Has = page.Locator("[data-testid=audit-action]", new() { HasText = "audit.searched" }) })
            .Filter(new() { Has = page.Locator($"[data-testid=audit-actor][data-actor-id='{adminId}']") });
        await Expect(page.Locator(".audit-row").First).ToBeVisibleAsync();
        await Expect(ownReads).ToHaveCountAsync(0);
        await page.GetByTestId("hide-own-reads").UncheckAsync();
        await Expect(ownReads.First).ToBeVisibleAsync();
        session.Log.AssertClean();
    }
}
