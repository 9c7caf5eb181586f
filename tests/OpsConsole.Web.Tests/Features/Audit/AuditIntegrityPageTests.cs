using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Live;
using OpsConsole.Web.Features.Audit;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Audit;

public sealed class AuditIntegrityPageTests : BunitContext, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly LiveEventBus _bus = new();
    private readonly FakeIntegrity _integrity = new();

    public AuditIntegrityPageTests()
    {
        Services.AddSingleton<ILiveEvents>(_bus);
        Services.AddSingleton(new OpsConsole.Core.Audit.AuditLiveEvents(_bus));
        Services.AddScoped<IAuditIntegrity>(_ => _integrity);
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
        AddAuthorization().SetAuthorized("auditor").SetRoles("Auditor");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    [Fact]
    public void Shows_checkpoints_and_a_broken_last_scheduled_verification_in_red()
    {
        _integrity.Checkpoints = [Checkpoint(2, 2000), Checkpoint(1, 1000)];
        _integrity.LastScheduled = new AuditVerificationRecord(
            3000, Start, "system", "scheduled", false, 41, 2, 1.5, 42, AuditIntegrityProblem.ContentChanged, "content changed: record 42 no longer matches its hash");

        var cut = Render<AuditIntegrityPage>();

        Assert.Equal(2, cut.FindAll("[data-testid=checkpoint-list] tbody tr").Count);
        var first = cut.Find("tr[data-checkpoint='2']").TextContent;
        Assert.Contains("2,000", first, StringComparison.Ordinal);
        Assert.Contains("key-1", first, StringComparison.Ordinal);
        var last = cut.Find("[data-testid=last-scheduled]");
        Assert.Contains("BROKEN", last.TextContent, StringComparison.Ordinal);
        Assert.Contains("Record 42: content changed", last.TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(last.QuerySelectorAll(".mud-error-text"));
    }

    [Fact]
    public async Task Verify_shows_live_progress_then_the_first_broken_record_and_why()
    {
        var cut = Render<AuditIntegrityPage>();

        cut.Find("[data-testid=verify]").Click();
        var run = await _integrity.Started.Task.WaitAsync(Timeout);
        run.Progress!.Report(new AuditVerificationProgress(Guid.NewGuid(), 500_000, 1_000_000, TimeSpan.FromSeconds(2), false, "manual"));

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("500,000", cut.Find("[data-testid=verify-checked]").TextContent);
            Assert.Equal("1,000,000", cut.Find("[data-testid=verify-total]").TextContent);
            Assert.Contains("250,000 records/s", cut.Find("[data-testid=verify-progress]").TextContent, StringComparison.Ordinal);
            Assert.True(cut.Find("[data-testid=verify]").HasAttribute("disabled"));
        }, Timeout);

        run.Result.SetResult(AuditVerificationResult.From(
            new AuditIntegrityFailure(AuditIntegrityProblem.RecordMissing, 777, null, "record missing: record 777 is not in the log (it was deleted)"),
            776, 3, TimeSpan.FromSeconds(4), Start));

        cut.WaitForAssertion(() =>
        {
            var result = cut.Find("[data-testid=verify-result]");
            Assert.Equal("false", result.GetAttribute("data-ok"));
            Assert.Contains("Broken at record 777", result.TextContent, StringComparison.Ordinal);
            Assert.Contains("record 777 is not in the log", result.TextContent, StringComparison.Ordinal);
            Assert.Contains("mud-alert-filled-error", result.ClassName, StringComparison.Ordinal);
            Assert.Empty(cut.FindAll("[data-testid=verify-progress]"));
            Assert.False(cut.Find("[data-testid=verify]").HasAttribute("disabled"));
        }, Timeout);
    }

    [Fact]
    public void An_intact_result_shows_counts_and_duration()
    {
        _integrity.Immediate = AuditVerificationResult.From(null, 1234, 5, TimeSpan.FromSeconds(2.5), Start);
        var cut = Render<AuditIntegrityPage>();

        cut.Find("[data-testid=verify]").Click();

        cut.WaitForAssertion(() =>
        {
            var result = cut.Find("[data-testid=verify-result]");
            Assert.Equal("true", result.GetAttribute("data-ok"));
            Assert.Contains("1,234 records and 5", result.TextContent, StringComparison.Ordinal);
            Assert.Contains("2.5 s", result.TextContent, StringComparison.Ordinal);
        }, Timeout);
    }

    [Fact]
    public async Task A_scheduled_run_elsewhere_shows_its_progress_and_the_subscriptions_end_with_the_page()
    {
        Assert.Equal(0, _bus.Statistics.Subscribers);
        var cut = Render<AuditIntegrityPage>();
        Assert.Equal(3, _bus.Statistics.Subscribers);

        _bus.Publish(AuditIntegrityTopics.VerificationProgress, new AuditVerificationProgress(Guid.NewGuid(), 10, 40, TimeSpan.FromSeconds(1), false, AuditVerifier.TriggerScheduled));
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("10", cut.Find("[data-testid=verify-checked]").TextContent);
            Assert.Contains("scheduled run", cut.Find("[data-testid=verify-progress]").TextContent, StringComparison.Ordinal);
        }, Timeout);

        var loads = _integrity.Loads;
        _integrity.Checkpoints = [Checkpoint(1, 40)];
        _bus.Publish(AuditIntegrityTopics.CheckpointCreated, 1L);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tr[data-checkpoint='1']")), Timeout);
        Assert.True(_integrity.Loads > loads);

        await DisposeComponentsAsync();

        Assert.Equal(0, _bus.Statistics.Subscribers);
    }

    [Fact]
    public void Write_checkpoint_now_says_what_happened()
    {
        _integrity.Checkpoints = [Checkpoint(4, 99)];
        var cut = Render<AuditIntegrityPage>();

        cut.Find("[data-testid=write-checkpoint]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Nothing new since checkpoint #4", cut.Find("[data-testid=checkpoint-message]").TextContent, StringComparison.Ordinal), Timeout);
    }

    private static AuditCheckpoint Checkpoint(long number, long lastSequence) => new()
    {
        Number = number,
        CreatedAt = Start.AddHours(number),
        LastSequence = lastSequence,
        KeyId = "key-1",
        Hash = Enumerable.Repeat((byte)number, 32).ToArray(),
    };

    private sealed record Run(IProgress<AuditVerificationProgress>? Progress, TaskCompletionSource<AuditVerificationResult> Result);

    private sealed class FakeIntegrity : IAuditIntegrity
    {
        private int _loads;

        public TaskCompletionSource<Run> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public AuditVerificationResult? Immediate { get; set; }

        public IReadOnlyList<AuditCheckpoint> Checkpoints { get; set; } = [];

        public AuditVerificationRecord? LastScheduled { get; set; }

        public int Loads => Volatile.Read(ref _loads);

        public AuditVerificationProgress? Running => null;

        public Task<AuditVerificationResult> VerifyAsync(ClaimsPrincipal caller, IProgress<AuditVerificationProgress>? progress, CancellationToken cancellationToken = default)
        {
            if (Immediate is { } immediate)
            {
                return Task.FromResult(immediate);
            }

            var run = new Run(progress, new TaskCompletionSource<AuditVerificationResult>(TaskCreationOptions.RunContinuationsAsynchronously));
            Started.SetResult(run);
            return run.Result.Task;
        }

        public Task<AuditCheckpointCreation> CreateCheckpointAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default) =>
            Task.FromResult(new AuditCheckpointCreation(false, Checkpoints.FirstOrDefault()));

        public Task<IReadOnlyList<AuditCheckpoint>> ListCheckpointsAsync(ClaimsPrincipal caller, int limit = 100, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _loads);
            return Task.FromResult(Checkpoints);
        }

        public Task<AuditVerificationRecord?> LastScheduledVerificationAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default) =>
            Task.FromResult(LastScheduled);
    }
}
