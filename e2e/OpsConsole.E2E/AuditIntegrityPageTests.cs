namespace OpsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed class AuditIntegrityPageTests(ConsoleFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Admin_writes_a_checkpoint_and_verifies_the_log_on_the_integrity_page()
    {
        await using var session = await fixture.OpenAsAdminAsync(1366, 768);
        var page = session.Page;

        var response = await Flows.OpenInteractiveAsync(page, "/audit/integrity");
        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Audit log integrity" })).ToBeVisibleAsync();

        // A first verification (audited itself, so the log is not empty), then a checkpoint, then verify again.
        var result = page.GetByTestId("verify-result");
        await page.GetByTestId("verify").ClickAsync();
        await Expect(result).ToHaveAttributeAsync("data-ok", "true", new() { Timeout = 60_000 });
        await page.GetByTestId("write-checkpoint").ClickAsync();
        await Expect(page.GetByTestId("checkpoint-message")).ToContainTextAsync("written", new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-testid=checkpoint-list] tbody tr").First).ToBeVisibleAsync();

        await page.GetByTestId("verify").ClickAsync();
        await Expect(result).ToHaveAttributeAsync("data-ok", "true", new() { Timeout = 60_000 });
        await Expect(result).ToContainTextAsync("Intact");
        await Expect(result).ToContainTextAsync("and 1 signed checkpoint verified");
        output.WriteLine($"result: {await result.TextContentAsync()}");
        await Screenshots.SaveAsync(page, "audit-integrity-1366x768.png", output);

        await page.SetViewportSizeAsync(1920, 1080);
        await Expect(result).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "audit-integrity-1920x1080.png", output);
        session.Log.AssertClean();
    }
}
