using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
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
    public async Task Signing_out_another_session_asks_in_a_dialog_naming_it_then_ends_it_and_says_so()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderList();

        await cut.InvokeAsync(() => cut.Find($"tr[data-session='{Other}'] [data-testid=end-session]").Click());
        dialogs.WaitForAssertion(() => Assert.Equal("Sign out your session in Chrome on Windows (10.0.0.9)?", dialogs.Find("[data-testid=confirm-title]").TextContent), Timeout);
        Assert.Empty(_ended); // not before the confirmation
        _sessions = [.. _sessions.Where(s => s.Id != Other)];
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"tr[data-session='{Other}']")), Timeout);
        Assert.Equal([Other], _ended);
        Assert.Equal("The session in Chrome on Windows is signed out.", cut.Find("[data-testid=session-message]").TextContent);
    }

    [Fact]
    public async Task Cancelling_leaves_the_session_alone()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderList();

        await cut.InvokeAsync(() => cut.Find($"tr[data-session='{Other}'] [data-testid=end-session]").Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=confirm-cancel]")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-cancel]").Click());

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=confirm-dialog]")), Timeout);
        Assert.Empty(_ended);
        Assert.Single(cut.FindAll($"tr[data-session='{Other}']"));
        Assert.Empty(cut.FindAll("[data-testid=session-message]"));
    }

    [Fact]
    public async Task An_administrator_is_asked_about_the_owners_session_by_name()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<SessionList>(p => p
            .Add(c => c.UserId, "user-1")
            .Add(c => c.OwnerName, "alice")
            .Add(c => c.Load, () => Task.FromResult<IReadOnlyList<UserSessionInfo>>(_sessions))
            .Add(c => c.End, id =>
            {
                _ended.Add(id);
                return Task.CompletedTask;
            }));

        await cut.InvokeAsync(() => cut.Find($"tr[data-session='{Current}'] [data-testid=end-session]").Click());

        dialogs.WaitForAssertion(() => Assert.Equal("Sign out the session of alice in Firefox on Linux (10.0.0.5)?", dialogs.Find("[data-testid=confirm-title]").TextContent), Timeout);
    }

    [Fact]
    public async Task Sign_out_all_others_asks_with_the_count_then_calls_the_parent()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderList();

        await cut.InvokeAsync(() => cut.Find("[data-testid=end-other-sessions]").Click());
        dialogs.WaitForAssertion(() => Assert.Equal("Sign out 1 session", dialogs.Find("[data-testid=confirm-accept]").TextContent.Trim()), Timeout);
        Assert.Equal(0, _endedOthers);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Equal(1, _endedOthers), Timeout);
    }

    [Fact]
    public async Task A_refusal_from_the_service_is_shown_in_words()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<SessionList>(p => p
            .Add(c => c.UserId, "user-1")
            .Add(c => c.CurrentSessionId, Current)
            .Add(c => c.Load, () => Task.FromResult<IReadOnlyList<UserSessionInfo>>(_sessions))
            .Add(c => c.End, _ => throw new OpsConsole.Core.Audit.AuditUnavailableException()));

        await cut.InvokeAsync(() => cut.Find($"tr[data-session='{Other}'] [data-testid=end-session]").Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=confirm-accept]")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.StartsWith("Could not sign out the session in Chrome on Windows: ", cut.Find("[data-testid=session-message]").TextContent, StringComparison.Ordinal), Timeout);
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
