using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OpsConsole.E2E;

/// <summary>
/// Signing keys in the browser against the real console with its demo (rings sampleshop and partners): an admin rotates
/// sampleshop from its page with the typed confirmation; a viewer with the same page open sees the new pending version in
/// the table and on the timeline without a reload; then the admin revokes the old key (the pending one takes over) and the
/// viewer sees that too. Throughout the rotation a SampleShop customer keeps signing in and calling /api/me with tokens
/// from before it and from during it (SampleShop validates through the console's JWKS): every call answers 200; once the
/// new key signs, a new sign-in carries its kid and validates at once. Screenshots of both pages at two sizes.
/// </summary>
public sealed class KeysTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string dataDirectory = ConsoleProcess.NewDataDirectory();
    private readonly Uri shop = new($"http://127.0.0.1:{ConsoleProcess.FreePort().ToString(CultureInfo.InvariantCulture)}/");
    private ConsoleProcess console = null!;

    public async Task InitializeAsync() =>
        console = await ConsoleProcess.StartAsync(dataDirectory, "keys", new Dictionary<string, string>
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
    public async Task An_admin_rotates_sampleshop_then_revokes_the_old_key_and_a_viewer_sees_both_live()
    {
        await using var chromium = await Chromium.LaunchAsync();
        var viewerPassword = await console.CreateUserAsync("vera", "Viewer");
        await using var admin = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await using var viewer = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await Flows.SignInAsBootstrapAdminAsync(admin.Page, console);
        await Flows.SignInWithOneTimePasswordAsync(viewer.Page, "vera", viewerPassword, "e2e-vera-Password-1");

        // The list: both demo rings, each with its signing key.
        await Flows.OpenInteractiveAsync(admin.Page, "/keys");
        var cards = admin.Page.GetByTestId("key-ring-card");
        await Expect(cards).ToHaveCountAsync(2);
        await Expect(cards.And(admin.Page.Locator("[data-ring=sampleshop]")).GetByTestId("key-ring-signing")).ToHaveTextAsync(new Regex("^\\s*[A-Za-z0-9_-]{8}\\s*$"));
        await Screenshots.SaveAsync(admin.Page, "keys-1366x768.png", output);

        // The viewer watches sampleshop: one active key, no rotate or revoke buttons.
        await Flows.OpenInteractiveAsync(viewer.Page, "/keys/sampleshop");
        await Expect(viewer.Page.GetByTestId("key-version-row")).ToHaveCountAsync(1);
        await Expect(viewer.Page.GetByTestId("key-timeline-row")).ToHaveCountAsync(1);
        await Expect(viewer.Page.GetByTestId("key-ring-rotate")).ToHaveCountAsync(0);
        await Expect(viewer.Page.GetByTestId("key-version-revoke")).ToHaveCountAsync(0);
        await Flows.MarkPageAsync(viewer.Page);

        // A signed-in SampleShop customer keeps using the shop from here until the rotation has ended.
        using var shopClient = new HttpClient { BaseAddress = shop, Timeout = TimeSpan.FromSeconds(10) };
        var probe = ShopSessionProbe.Start(shopClient);

        // The admin rotates: a wrong name keeps the button disabled; the right one starts the rotation.
        await Flows.OpenInteractiveAsync(admin.Page, "/keys/sampleshop");
        await Expect(admin.Page.GetByTestId("key-version-row")).ToHaveCountAsync(1);
        await admin.Page.GetByTestId("key-ring-rotate").ClickAsync();
        var dialog = admin.Page.GetByTestId("rotate-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        var typed = admin.Page.Locator("[data-testid=rotate-typed-field] input");
        await typed.FillAsync("sampleshop-x");
        await Expect(admin.Page.GetByTestId("rotate-submit")).ToBeDisabledAsync();
        await typed.FillAsync("sampleshop");
        await Expect(admin.Page.GetByTestId("rotate-submit")).ToBeEnabledAsync();
        await Screenshots.SaveAsync(admin.Page, "key-rotate-dialog-1366x768.png", output);
        await admin.Page.GetByTestId("rotate-submit").ClickAsync();
        await Expect(admin.Page.GetByTestId("rotate-operation-link")).ToHaveAttributeAsync("href", new Regex("/operations/[0-9a-f-]{36}$"));
        await admin.Page.GetByTestId("rotate-close").ClickAsync();

        // The viewer's page follows without a reload: the new key pending on top of the table and on the timeline.
        var rows = viewer.Page.GetByTestId("key-version-row");
        await Expect(rows).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Expect(rows.First).ToHaveAttributeAsync("data-state", "pending");
        await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-state", "active");
        var newKid = await rows.First.GetAttributeAsync("data-kid");
        var track = viewer.Page.Locator($"[data-testid=key-timeline-row][data-kid='{newKid}']");
        await Expect(track).ToHaveAttributeAsync("data-state", "pending");
        await Expect(track.Locator("[data-testid=key-timeline-segment][data-kind=published]")).ToHaveCountAsync(1);
        await Expect(viewer.Page.Locator("[data-testid=key-timeline-row]").Nth(0).Locator("[data-kind=grace]")).ToHaveCountAsync(1); // the old key's grace
        Assert.True(await Flows.IsSamePageAsync(viewer.Page), "the viewer's key ring page reloaded instead of updating live");

        // The rotation ends once the console's own JWKS lists the new key.
        await Flows.OpenInteractiveAsync(admin.Page, "/operations");
        await Expect(admin.Page.Locator("[data-testid=operation-row]", new() { HasText = "Rotate sampleshop" }).GetByTestId("operation-state"))
            .ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 60_000 });

        // SampleShop answered every signed-in request across the rotation, with tokens minted before and during it.
        var calls = await probe.StopAsync();
        output.WriteLine($"SampleShop during the rotation: {calls.Count} calls, kids {string.Join(", ", calls.Select(c => c.Kid).Distinct())}");
        Assert.True(calls.Count(c => c.What == "me") >= 6, $"the probe made only {calls.Count} calls");
        Assert.All(calls, c => Assert.True(c.Status == HttpStatusCode.OK, $"{c.What} with kid {c.Kid} answered {(int)c.Status} at {c.At:HH:mm:ss.fff}"));

        // The admin revokes the old key: the preview says the pending key signs early; the viewer sees it revoked live.
        await Flows.OpenInteractiveAsync(admin.Page, "/keys/sampleshop");
        var oldRow = admin.Page.Locator("[data-testid=key-version-row][data-state=active]");
        var oldKid = await oldRow.GetAttributeAsync("data-kid");
        var oldShort = oldKid![..8];
        await oldRow.GetByTestId("key-version-revoke").ClickAsync();
        await Expect(admin.Page.GetByTestId("revoke-warning").Filter(new() { HasText = "signs from now" })).ToHaveCountAsync(1);
        await Expect(admin.Page.GetByTestId("revoke-submit")).ToBeDisabledAsync();
        await admin.Page.Locator("[data-testid=revoke-typed-field] input").FillAsync(oldShort);
        await admin.Page.Locator("[data-testid=revoke-reason-field] input").FillAsync("e2e: the old key is retired early");
        await Screenshots.SaveAsync(admin.Page, "key-revoke-dialog-1366x768.png", output);
        await admin.Page.GetByTestId("revoke-submit").ClickAsync();
        await Expect(admin.Page.GetByTestId("revoke-operation-link")).ToHaveAttributeAsync("href", new Regex("/operations/[0-9a-f-]{36}$"));
        await admin.Page.GetByTestId("revoke-close").ClickAsync();
        await Expect(viewer.Page.Locator($"[data-testid=key-version-row][data-kid='{oldKid}']")).ToHaveAttributeAsync("data-state", "revoked", new() { Timeout = 30_000 });
        await Expect(viewer.Page.Locator($"[data-testid=key-version-row][data-kid='{newKid}']")).ToHaveAttributeAsync("data-state", "active");
        await Expect(viewer.Page.Locator($"[data-testid=key-timeline-row][data-kid='{oldKid}'] [data-kind=revoked]")).ToHaveCountAsync(1);
        Assert.True(await Flows.IsSamePageAsync(viewer.Page), "the viewer's key ring page reloaded instead of updating live");
        await Expect(admin.Page.Locator("[data-testid=key-ring-operation]")).ToHaveCountAsync(0, new() { Timeout = 60_000 }); // the revocation ended

        // The new key signs now: a new SampleShop session carries its kid. SampleShop fetched the JWKS before the rotation and
        // its refresh interval (5 min) has not passed, so, as the revoke dialog warned, it fails the first such token and
        // refetches in the background on that unknown kid (IdentityModel 8); the token validates as soon as that fetch lands.
        var (token, kid) = await ShopSessionProbe.SignInAsync(shopClient);
        Assert.Equal(newKid, kid);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var refused = 0;
        while (await ShopSessionProbe.MeAsync(shopClient, token) != HttpStatusCode.OK)
        {
            refused++;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"SampleShop still rejects the new key's token after {clock.Elapsed.TotalSeconds:0} s ({refused} calls)");
            await Task.Delay(200); // pacing under SampleShop's rate limit, not synchronization: the loop waits for the condition
        }

        output.WriteLine($"SampleShop accepted the new key's token after {refused} rejected call(s), {clock.ElapsedMilliseconds} ms");

        // Screenshots of both pages at the two sizes people use.
        await Expect(admin.Page.GetByTestId("key-version-row")).ToHaveCountAsync(2);
        await Screenshots.SaveAsync(admin.Page, "key-ring-1366x768.png", output);
        await using var wide = await chromium.OpenAsync(console.BaseAddress, 1920, 1080);
        await Flows.SignInAsync(wide.Page, "vera", "e2e-vera-Password-1");
        await Flows.OpenInteractiveAsync(wide.Page, "/keys");
        await Expect(wide.Page.GetByTestId("key-ring-card")).ToHaveCountAsync(2);
        await Screenshots.SaveAsync(wide.Page, "keys-1920x1080.png", output);
        await Flows.OpenInteractiveAsync(wide.Page, "/keys/sampleshop");
        await Expect(wide.Page.GetByTestId("key-version-row")).ToHaveCountAsync(2);
        await Screenshots.SaveAsync(wide.Page, "key-ring-1920x1080.png", output);
    }
}

/// <summary>
/// A SampleShop customer: signs in (SampleShop mints the token through the console's sign API) and calls /api/me with the
/// first token and the newest, every 400 ms (under SampleShop's 10 requests/s per client), recording every answer.
/// </summary>
internal sealed class ShopSessionProbe
{
    internal sealed record Call(DateTimeOffset At, string What, string Kid, HttpStatusCode Status);

    private readonly List<Call> calls = [];
    private readonly CancellationTokenSource stop = new();
    private Task loop = Task.CompletedTask;

    public static ShopSessionProbe Start(HttpClient shop)
    {
        var probe = new ShopSessionProbe();
        probe.loop = probe.RunAsync(shop);
        return probe;
    }

    public async Task<IReadOnlyList<Call>> StopAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
        return calls;
    }

    public static async Task<(string Token, string Kid)> SignInAsync(HttpClient shop)
    {
        using var response = await shop.PostAsJsonAsync(new Uri("/api/sessions", UriKind.Relative), new { customerId = 1 });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"SampleShop sign-in answered {(int)response.StatusCode}: {body}");
        using var session = JsonDocument.Parse(body);
        return (session.RootElement.GetProperty("token").GetString()!, session.RootElement.GetProperty("kid").GetString()!);
    }

    public static async Task<HttpStatusCode> MeAsync(HttpClient shop, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/me", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await shop.SendAsync(request);
        return response.StatusCode;
    }

    private async Task RunAsync(HttpClient shop)
    {
        var first = await SignInAsync(shop);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(400));
        while (!stop.IsCancellationRequested)
        {
            var latest = await SignInAsync(shop);
            calls.Add(new Call(DateTimeOffset.UtcNow, "sign-in", latest.Kid, HttpStatusCode.OK));
            foreach (var (token, kid) in new[] { first, latest })
            {
                calls.Add(new Call(DateTimeOffset.UtcNow, "me", kid, await MeAsync(shop, token)));
            }

            try
            {
                await timer.WaitForNextTickAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
