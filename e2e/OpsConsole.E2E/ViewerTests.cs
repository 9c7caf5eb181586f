using System.Text.RegularExpressions;

namespace OpsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed partial class ViewerTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task Viewer_does_not_see_System_in_the_nav_and_is_denied_the_system_page()
    {
        await using var session = await fixture.OpenAsViewerAsync();
        var page = session.Page;

        await Expect(page.Locator("[data-area=Overview]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-area=System]")).ToHaveCountAsync(0);

        await page.GotoAsync("/system");
        await Expect(page).ToHaveURLAsync(AccessDeniedPath());
        await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Heading, new() { Name = "Access denied" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("sampled-at")).ToHaveCountAsync(0);
        session.Log.AssertClean();
    }

    [GeneratedRegex(@"/account/access-denied(\?|$)")]
    private static partial Regex AccessDeniedPath();
}
