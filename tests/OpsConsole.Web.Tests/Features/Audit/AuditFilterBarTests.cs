using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Audit.Search;
using OpsConsole.Web.Features.Audit;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Audit;

public sealed class AuditFilterBarTests : BunitContext, IAsyncLifetime
{
    private readonly List<AuditQuery> _searched = [];

    public AuditFilterBarTests()
    {
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    [Fact]
    public void The_filters_produce_the_query_that_is_searched()
    {
        var cut = Render<AuditFilterBar>(p => p.Add(c => c.OnSearch, q => _searched.Add(q)));

        Fill(cut, "filter-from", "2026-05-01T10:00");
        Fill(cut, "filter-to", "2026-05-01T12:30");
        Fill(cut, "filter-actor", " alice ");
        Input(cut, "filter-actor-prefix").Change(true);
        Fill(cut, "filter-action", "identity.user");
        Fill(cut, "filter-target-type", "user");
        Fill(cut, "filter-target-id", "u-42");
        Fill(cut, "filter-text", "wrong password");
        cut.Find("form").Submit();

        var query = Assert.Single(_searched);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.Zero), query.From);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 12, 30, 0, TimeSpan.Zero), query.To);
        Assert.Equal("alice", query.Actor);
        Assert.Equal(ActorMatch.Prefix, query.ActorMatch);
        Assert.Equal("identity.user", query.ActionPrefix);
        Assert.Equal("user", query.TargetType);
        Assert.Equal("u-42", query.TargetId);
        Assert.Null(query.Outcome);
        Assert.Equal("wrong password", query.Text);
    }

    [Fact]
    public void A_bad_filter_is_named_and_not_searched_and_clear_searches_everything()
    {
        var cut = Render<AuditFilterBar>(p => p.Add(c => c.OnSearch, q => _searched.Add(q)));

        Fill(cut, "filter-from", "2026-05-02T00:00");
        Fill(cut, "filter-to", "2026-05-01T00:00");
        cut.Find("form").Submit();

        Assert.Empty(_searched);
        Assert.Contains("'to' must be later than 'from'", cut.Find("[data-testid=filter-error]").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid=filter-clear]").Click();
        Assert.True(Assert.Single(_searched).IsEmpty);
        Assert.Empty(cut.FindAll("[data-testid=filter-error]"));
    }

    [Fact]
    public void Clicking_Denials_sets_the_outcome_field_and_searches_denied_records()
    {
        var cut = Render<AuditFilterBar>(p => p
            .Add(c => c.OnSearch, q => _searched.Add(q))
            .Add(c => c.Presets, AuditPresets.For(Reader("Auditor"))));
        Fill(cut, "filter-action", "backups"); // a preset replaces what was typed

        cut.Find("[data-testid=preset-denials]").Click();

        var query = Assert.Single(_searched);
        Assert.Equal("denied", query.Outcome);
        Assert.Null(query.ActionPrefix);
        Assert.Equal("", Input(cut, "filter-action").GetAttribute("value") ?? "");
        Assert.Equal("true", cut.Find("[data-testid=preset-denials]").GetAttribute("aria-pressed"));
        Assert.Equal("false", cut.Find("[data-testid=preset-sign-ins]").GetAttribute("aria-pressed"));
    }

    [Fact]
    public void Sign_ins_and_my_actions_set_the_action_prefix_and_the_actor_id()
    {
        var cut = Render<AuditFilterBar>(p => p
            .Add(c => c.OnSearch, q => _searched.Add(q))
            .Add(c => c.Presets, AuditPresets.For(Reader("Admin"))));

        cut.Find("[data-testid=preset-sign-ins]").Click();
        cut.Find("[data-testid=preset-account-changes]").Click();
        cut.Find("[data-testid=preset-mine]").Click();

        Assert.Equal(["identity.signin", "identity.user", null], _searched.Select(q => q.ActionPrefix));
        Assert.Equal("u-reader", _searched[^1].Actor);
        Assert.Equal(ActorMatch.Exact, _searched[^1].ActorMatch);
        Assert.Equal("u-reader", Input(cut, "filter-actor").GetAttribute("value"));
    }

    [Fact]
    public void An_sre_gets_no_presets_for_records_it_cannot_see()
    {
        var keys = AuditPresets.For(Reader("Sre")).Select(p => p.Key).ToList();

        Assert.DoesNotContain(AuditPresets.SignIns, keys);
        Assert.DoesNotContain(AuditPresets.AccountChanges, keys);
        Assert.Contains(AuditPresets.Denials, keys);
        Assert.Contains(AuditPresets.Mine, keys);
    }

    [Fact]
    public void From_and_to_are_read_in_the_viewers_zone_and_the_labels_say_which()
    {
        Services.AddViewerTime("Europe/Paris");
        var cut = Render<AuditFilterBar>(p => p.Add(c => c.OnSearch, q => _searched.Add(q)));

        Fill(cut, "filter-from", "2026-07-01T10:00");
        Fill(cut, "filter-to", "2026-07-01T12:00:30");
        cut.Find("form").Submit();

        var query = Assert.Single(_searched);
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero), query.From);
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 10, 0, 30, TimeSpan.Zero), query.To);
        Assert.Contains("From (UTC+0", cut.Find("[data-testid=audit-filters]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_the_clocks_skip_is_named_as_a_bad_from()
    {
        Services.AddViewerTime("Europe/Paris");
        var cut = Render<AuditFilterBar>(p => p.Add(c => c.OnSearch, q => _searched.Add(q)));

        Fill(cut, "filter-from", "2026-03-29T02:30");
        cut.Find("form").Submit();

        Assert.Empty(_searched);
        Assert.Contains("does not exist in Europe/Paris", cut.Find("[data-testid=filter-error]").TextContent, StringComparison.Ordinal);
    }

    private static System.Security.Claims.ClaimsPrincipal Reader(string role) => new(new System.Security.Claims.ClaimsIdentity(
        [new(System.Security.Claims.ClaimTypes.NameIdentifier, "u-reader"), new(System.Security.Claims.ClaimTypes.Name, "reader"), new(System.Security.Claims.ClaimTypes.Role, role)], "test"));

    private static void Fill(IRenderedComponent<AuditFilterBar> cut, string testId, string value) => Input(cut, testId).Change(value);

    /// <summary>MudBlazor puts user attributes on the input itself for text fields and on a wrapper for check boxes.</summary>
    internal static AngleSharp.Dom.IElement Input<T>(IRenderedComponent<T> cut, string testId)
        where T : Microsoft.AspNetCore.Components.IComponent
    {
        var element = cut.Find($"[data-testid={testId}]");
        return element.TagName == "INPUT" ? element : element.QuerySelector("input") ?? throw new InvalidOperationException($"no input in {testId}");
    }
}
