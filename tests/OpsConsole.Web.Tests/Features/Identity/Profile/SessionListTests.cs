using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.Sessions;
using OpsConsole.Core.Live;
using OpsConsole.Web.Features.Identity.Profile;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Identity.Profile;

public sealed class SessionListTests : BunitContext, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Current = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();

    private readonly LiveEventBus _bus = new();
    private readonly List<Guid> _ended = [];
    private List<UserSessionInfo> _sessions =
    [
        new(Current, Start, Start.AddHours(1), "10.0.0.5", "ua", "Firefox on Linux", 2),
        new(Other, Start.AddMinutes(-30), Start.AddMinutes(50), "10.0.0.9", "ua", "Chrome on Windows", 0),
    ];

    private int _loads;
    private int _endedOthers;

    public SessionListTests()
    {
        Services.AddSingleton<ILiveEvents>(_bus);
        Services.AddSingleton(new OpsConsole.Core.Identity.SessionRevocations(_bus));
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    [Fact]
    public void Lists_sessions_marks_this_one_and_offers_sign_out_only_for_the_others()
    {
        var cut = RenderList();

        var current = cut.Find($"tr[data-session='{Current}']");
        Assert.Contains("this session", current.TextContent, StringComparison.Ordinal);
        Assert.Contains("Firefox on Linux", current.TextContent, StringComparison.Ordinal);
        Assert.Equal("2", current.QuerySelector("[data-testid=session-circuits]")!.TextContent);
        Assert.Empty(current.QuerySelectorAll("[data-testid=end-session]"));
        var other = cut.Find($"tr[data-session='{Other}']");
        Assert.DoesNotContain("this session", other.TextContent, StringComparison.Ordinal);
        Assert.Single(other.QuerySelectorAll("[data-testid=end-session]"));
    }

    [Fact]
    public void Signing_out_another_session_asks_first_then_ends_it_and_reloads()
    {
        var cut = RenderList();

        cut.Find($"tr[data-session='{Other}'] [data-testid=end-session]").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=confirm-end-session]")), Timeout);
        Assert.Empty(_ended); // not before the confirmation
        _sessions = [.. _sessions.Where(s => s.Id != Other)];
        cut.Find("[data-testid=confirm-end-session]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"tr[data-session='{Other}']")), Timeout);
        Assert.Equal([Other], _ended);
    }

    [Fact]
    public void Sign_out_all_others_calls_the_parent()
    {
        var cut = RenderList();

        cut.Find("[data-testid=end-other-sessions]").Click();

        cut.WaitForAssertion(() => Assert.Equal(1, _endedOthers), Timeout);
    }

    [Fact]
    public async Task Reloads_when_one_of_the_users_sessions_ends_elsewhere_and_unsubscribes_on_dispose()
    {
        Assert.Equal(0, _bus.Statistics.Subscribers);
        var cut = RenderList();
        Assert.Equal(1, _bus.Statistics.Topics[IdentityTopics.SessionEnded.Name].Subscribers);
        var loadsAfterRender = _loads;

        _bus.Publish(IdentityTopics.SessionEnded, new SessionEnded(Guid.NewGuid(), "someone-else", "test")); // not ours
        _sessions = [.. _sessions.Where(s => s.Id != Other)];
        _bus.Publish(IdentityTopics.SessionEnded, new SessionEnded(Other, "user-1", "signed out"));

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"tr[data-session='{Other}']")), Timeout);
        Assert.Equal(loadsAfterRender + 1, _loads); // one reload, for our user's event only

        await DisposeComponentsAsync();

        Assert.Equal(0, _bus.Statistics.Subscribers);
        _bus.Publish(IdentityTopics.SessionEnded, new SessionEnded(Current, "user-1", "signed out"));
        Assert.Equal(3, _bus.Statistics.Topics[IdentityTopics.SessionEnded.Name].Published);
        Assert.Equal(2, _bus.Statistics.Topics[IdentityTopics.SessionEnded.Name].Delivered); // the third reached nobody
        Assert.Equal(loadsAfterRender + 1, _loads);
    }

    private IRenderedComponent<SessionList> RenderList() =>
        Render<SessionList>(p => p
            .Add(c => c.UserId, "user-1")
            .Add(c => c.CurrentSessionId, Current)
            .Add(c => c.Load, () =>
            {
                Interlocked.Increment(ref _loads);
                return Task.FromResult<IReadOnlyList<UserSessionInfo>>(_sessions);
            })
            .Add(c => c.End, id =>
            {
                _ended.Add(id);
                return Task.CompletedTask;
            })
            .Add(c => c.EndOthers, () =>
            {
                _endedOthers++;
                return Task.CompletedTask;
            }));
}
