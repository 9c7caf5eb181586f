using MudBlazor;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Web.Features.Alerts;

namespace OpsConsole.Web.Tests.Features.Alerts;

public sealed class SilencesPageTests(AlertsHost host) : AlertsComponentTest(host)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Alice = AlertsHost.User("alice", ConsoleRoles.OnCall);

    [Fact]
    public async Task Lists_a_silence_with_its_matchers_creator_matches_and_countdown_then_extends_and_expires_it()
    {
        await Host.FireAsync(AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3), ("instance", "db-1")));
        var created = await Host.Commands.CreateSilenceAsync(Alice, new SilenceRequest(
            [new SilenceMatcher("alertname", "=", "DiskFull")], null, null, TimeSpan.FromMinutes(30), "disk swap", Maintenance: true));
        await Host.WaitForStoreAsync(s => s.Silences.Count == 1 && s.Alerts.Single().IsSilenced, "the silence applied");
        var popovers = Render<MudPopoverProvider>();
        var cut = Render<SilencesPage>(p => As(p, Alice));

        var card = cut.Find("[data-testid=silences-active] [data-testid=silence]");
        Assert.Equal(created.Silence.Id.ToString(), card.GetAttribute("data-silence-id"));
        Assert.Equal("alertname=\"DiskFull\"maintenance", card.QuerySelector("[data-testid=silence-matchers]")!.TextContent.Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("disk swap", card.QuerySelector("[data-testid=silence-comment]")!.TextContent);
        Assert.Contains("by alice", card.TextContent, StringComparison.Ordinal);
        Assert.Equal("matches 1 alert", card.QuerySelector("[data-testid=silence-matched]")!.TextContent);
        Assert.Matches("^(29|30) min [0-5][0-9] s left$", card.QuerySelector("[data-testid=silence-left]")!.TextContent);

        // The countdown moves by itself.
        var first = Left(cut);
        cut.WaitForAssertion(() => Assert.NotEqual(first, Left(cut)), Timeout);

        await cut.InvokeAsync(() => cut.Find("[data-testid=silence-extend] button").Click());
        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll("[data-testid=extend-1h]")), Timeout);
        await popovers.InvokeAsync(() => popovers.Find("[data-testid=extend-1h]").Click());
        cut.WaitForAssertion(() => Assert.Matches("^1 h (29|30) min left$", Left(cut)), Timeout);

        await cut.InvokeAsync(() => cut.Find("[data-testid=silence-expire]").Click());
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=silences-expired] [data-testid=silence]")), Timeout);
        Assert.Single(cut.FindAll("[data-testid=silences-none]"));
        Assert.Contains("expired early by alice", cut.Find("[data-testid=silences-expired]").TextContent, StringComparison.Ordinal);
        await Host.WaitForStoreAsync(s => !s.Alerts.Single().IsSilenced, "the alert no longer silenced");
    }

    [Fact]
    public async Task A_viewer_sees_the_silences_without_actions_and_the_page_lets_go_of_the_store_when_disposed()
    {
        await Host.Commands.CreateSilenceAsync(Alice, new SilenceRequest([new SilenceMatcher("job", "=", "db")], null, null, TimeSpan.FromHours(1), "upgrade"));
        await Host.WaitForStoreAsync(s => s.Silences.Count == 1, "the silence");
        var before = Host.ViewSubscribers;
        var cut = Render<SilencesPage>(p => As(p, AlertsHost.User("vic", ConsoleRoles.Viewer)));

        Assert.Single(cut.FindAll("[data-testid=silence]"));
        Assert.Empty(cut.FindAll("[data-testid=silence-expire]"));
        Assert.Empty(cut.FindAll("[data-testid=silence-new]"));
        Assert.Equal(before + 1, Host.ViewSubscribers);

        await DisposeComponentsAsync();
        Assert.Equal(before, Host.ViewSubscribers);
    }

    private static string Left(IRenderedComponent<SilencesPage> cut) => cut.Find("[data-testid=silences-active] [data-testid=silence-left]").TextContent;
}
