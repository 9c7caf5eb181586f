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

    private static void Fill(IRenderedComponent<AuditFilterBar> cut, string testId, string value) => Input(cut, testId).Change(value);

    /// <summary>MudBlazor puts user attributes on the input itself for text fields and on a wrapper for check boxes.</summary>
    internal static AngleSharp.Dom.IElement Input<T>(IRenderedComponent<T> cut, string testId)
        where T : Microsoft.AspNetCore.Components.IComponent
    {
        var element = cut.Find($"[data-testid={testId}]");
        return element.TagName == "INPUT" ? element : element.QuerySelector("input") ?? throw new InvalidOperationException($"no input in {testId}");
    }
}
