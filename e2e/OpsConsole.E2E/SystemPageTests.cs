namespace OpsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class SystemPageTests(ConsoleFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Admin_signs_in_with_the_one_time_password_changes_it_and_sees_live_system_values()
    {
        await using var session = await fixture.OpenAsAdminAsync(1366, 768);
        var page = session.Page;

        var system = page.Locator("[data-area=System]");
        await Expect(system).ToBeVisibleAsync();
        await Flows.WaitForInteractiveAsync(page);
        await system.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(fixture.Console.BaseAddress, "system").ToString());
        await Expect(page.GetByTestId("stat-uptime")).ToBeVisibleAsync();

        var samples = await Flows.WaitForLiveSamplesAsync(page, changes: 2);
        output.WriteLine($"sampled-at: {string.Join(" → ", samples)}");
        Assert.Equal(3, samples.Distinct().Count());
        await Expect(page.Locator("[data-live-indicator]")).ToHaveAttributeAsync("data-state", "connected");

        await Screenshots.SaveAsync(page, "system-1366x768.png", output);
        session.Log.AssertClean();
    }

    [Fact]
    public async Task System_page_renders_live_at_1920x1080_without_browser_errors()
    {
        await using var session = await fixture.OpenAsAdminAsync(1920, 1080);
        var page = session.Page;

        var response = await Flows.OpenSystemPageLiveAsync(page);
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        // The "no CSP violation" assertion only means something if the page was served under the strict policy.
        var csp = await response.HeaderValueAsync("content-security-policy");
        Assert.NotNull(csp);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);

        await Screenshots.SaveAsync(page, "system-1920x1080.png", output);
        session.Log.AssertClean();
    }
}
