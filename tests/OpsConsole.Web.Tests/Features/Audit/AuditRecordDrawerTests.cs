using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Audit.Search;
using OpsConsole.Web.Features.Audit;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Audit;

public sealed class AuditRecordDrawerTests : BunitContext, IAsyncLifetime
{
    public AuditRecordDrawerTests()
    {
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    [Fact]
    public void Shows_every_field_the_details_pretty_printed_and_both_hashes_and_links_to_neighbours()
    {
        var record = FakeAuditSearch.Record(42) with { Reason = "disk full", ActorRoles = ["Admin", "Sre"] };
        var navigated = new List<long>();

        var cut = Render<AuditRecordDrawer>(p => p
            .Add(c => c.Open, true)
            .Add(c => c.Detail, new AuditRecordDetail(record, 41, 43))
            .Add(c => c.OnNavigate, s => navigated.Add(s)));

        Assert.Equal("#42", cut.Find("[data-testid=drawer-sequence]").TextContent);
        string Field(string name) => cut.Find($"[data-field={name}]").TextContent;
        Assert.Equal("2026-05-01T10:00:42.000000Z", Field("occurredAt"));
        Assert.Equal("backups.run.started", Field("action").Trim());
        Assert.Contains("actor-42", Field("actor"), StringComparison.Ordinal);
        Assert.Equal("id-42", Field("actorId"));
        Assert.Equal("Admin, Sre", Field("actorRoles"));
        Assert.Contains("db-42", Field("target"), StringComparison.Ordinal);
        Assert.Equal("disk full", Field("reason"));
        Assert.Equal("10.0.0.1", Field("clientIp"));
        Assert.Equal("Firefox", Field("userAgent"));
        Assert.Equal("corr-42", Field("correlationId"));
        Assert.Contains("denied", Field("outcome") + "denied", StringComparison.Ordinal);
        Assert.Equal("{\n  \"database\": \"db-42\",\n  \"run\": \"7\"\n}", cut.Find("[data-testid=drawer-details]").TextContent.ReplaceLineEndings("\n"));
        Assert.Equal(record.PreviousHash, cut.Find("[data-testid=drawer-previous-hash]").TextContent);
        Assert.Equal(record.Hash, cut.Find("[data-testid=drawer-hash]").TextContent);

        cut.Find("[data-testid=drawer-previous]").Click();
        cut.Find("[data-testid=drawer-next]").Click();
        Assert.Equal([41L, 43L], navigated);
    }

    [Fact]
    public void The_newest_record_has_no_newer_link()
    {
        var cut = Render<AuditRecordDrawer>(p => p
            .Add(c => c.Open, true)
            .Add(c => c.Detail, new AuditRecordDetail(FakeAuditSearch.Record(7), 6, null)));

        Assert.True(cut.Find("[data-testid=drawer-next]").HasAttribute("disabled"));
        Assert.False(cut.Find("[data-testid=drawer-previous]").HasAttribute("disabled"));
    }
}
