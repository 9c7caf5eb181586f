namespace OpsConsole.E2E;

/// <summary>The Users page tells a person what to fix, once, in words.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class UsersPageTests(ConsoleFixture fixture, ITestOutputHelper output)
{
    private const string BadNameMessage = "User name may contain only letters, digits and - . _ @ +";

    [Fact]
    public async Task A_user_name_with_a_space_is_refused_once_in_words_under_the_field()
    {
        await using var session = await fixture.OpenAsAdminAsync();
        var page = session.Page;
        await Flows.OpenInteractiveAsync(page, "/admin/users");

        await page.GetByTestId("new-user-name").FillAsync("bad name");
        await page.GetByTestId("create-user").ClickAsync();

        await Expect(page.GetByText(BadNameMessage, new() { Exact = true })).ToHaveCountAsync(1);
        await Expect(page.GetByText("Could not", new() { Exact = false })).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("users-message")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-user='bad name']")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "users-bad-name-1366x768.png", output);
        session.Log.AssertClean();
    }
}
