using System.Text.RegularExpressions;

namespace OpsConsole.E2E;

/// <summary>
/// The runbooks the console serves from the repository's docs (docs/runbooks): the SampleShop runbook that the shipped
/// rules link to opens as a rendered page for a signed-in person; names that are not runbooks there are 404, never 500.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class RunbookTests(ConsoleFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_SampleShop_runbook_opens_as_a_rendered_page_and_other_names_are_not_found()
    {
        await using var session = await fixture.OpenAsViewerAsync();
        var page = session.Page;

        var response = await page.GotoAsync("/runbooks/sampleshop.md#targetdown");

        Assert.Equal(200, response?.Status);
        await Flows.WaitForInteractiveAsync(page); // the page the circuit renders, not only the prerendered one
        await Expect(page.Locator("[data-testid=runbook] h1")).ToHaveTextAsync("SampleShop runbooks");
        await Expect(page.Locator("[data-testid=runbook] h2#targetdown")).ToHaveTextAsync("TargetDown");
        await Expect(page.GetByTestId("runbook-source")).ToHaveTextAsync("docs/runbooks/sampleshop.md");
        await Expect(page).ToHaveTitleAsync(new Regex("^SampleShop runbooks · Runbooks"));
        await Expect(page.Locator("[data-testid=runbook] h2#targetdown")).ToBeInViewportAsync(); // the link's section is on screen
        await page.EvaluateAsync("() => window.scrollTo(0, 0)"); // a full-page picture from the top: the app bar stays at the top
        await Screenshots.SaveAsync(page, "runbook-sampleshop-1366x768.png", output);
        session.Log.AssertClean();

        // Asked as the browser would, with the same cookie: no runbook there is 404 and shows nothing from the disk.
        foreach (var path in new[] { "/runbooks/missing.md", "/runbooks/..%2F..%2Fappsettings.json", "/runbooks/%2Fetc%2Fpasswd", "/runbooks/sampleshop.txt", "/runbooks/.hidden.md" })
        {
            var refused = await session.Context.APIRequest.GetAsync(path, new() { MaxRedirects = 0 });
            Assert.True(refused.Status == 404, $"{path}: {refused.Status}");
            var body = await refused.TextAsync();
            Assert.Contains("Not found", body, StringComparison.Ordinal);
            Assert.DoesNotContain("ConnectionStrings", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Runbooks_are_for_signed_in_people_only()
    {
        await using var session = await fixture.OpenAsync();

        await session.Page.GotoAsync("/runbooks/sampleshop.md");

        await Expect(session.Page).ToHaveURLAsync(LoginPath());
        await Expect(session.Page.Locator("[data-testid=runbook]")).ToHaveCountAsync(0);
    }

    [GeneratedRegex(@"/account/login\?ReturnUrl=%2Frunbooks%2Fsampleshop\.md")]
    private static partial Regex LoginPath();
}
