using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.Core.Restores.Engine;

namespace OpsConsole.Core.Tests.Restores;

/// <summary>The rules a restore is held to before anything runs: the typed name, plan validation, the options, the way back.</summary>
public sealed class RestoreRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("shop", true)]
    [InlineData("Shop", false)] // case counts: PostgreSQL names are case-sensitive once quoted
    [InlineData(" shop", false)]
    [InlineData("shop ", false)]
    [InlineData("sho", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void The_confirmation_is_the_exact_name(string? typed, bool matches) =>
        Assert.Equal(matches, RestoreConfirmation.Matches("shop", typed));

    [Fact]
    public void Nothing_confirms_an_empty_expected_name() => Assert.False(RestoreConfirmation.Matches("", ""));

    [Fact]
    public void The_name_to_type_is_the_database_or_the_new_one() =>
        Assert.Equal(("shop", "shop_copy"),
            (RestoreConfirmation.Expected(RestoreModes.Replace, "shop", null), RestoreConfirmation.Expected(RestoreModes.NewDatabase, "shop", "shop_copy")));

    [Theory]
    [InlineData("inspect_1", null)]
    [InlineData("  inspect_2 ", null)] // trimmed
    [InlineData("", "Name the new database")]
    [InlineData("Inspect", "not a plain database name")]
    [InlineData("a b", "not a plain database name")]
    [InlineData("1shop", "not a plain database name")]
    [InlineData("pg_shop", "not a plain database name")]
    [InlineData("shop__before_20261207", "scratch names")]
    [InlineData("shop__restore_x", "scratch names")]
    public void A_new_database_name_is_plain_and_never_a_scratch_name(string name, string? problem)
    {
        if (problem is null)
        {
            Assert.Equal(name.Trim(), RestorePlanner.ValidNewName(name));
            return;
        }

        var refused = Assert.Throws<RestorePlanException>(() => RestorePlanner.ValidNewName(name));
        Assert.Equal("newDatabase", refused.ParamName);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_longer_than_postgres_keeps_is_refused() =>
        Assert.Throws<RestorePlanException>(() => RestorePlanner.ValidNewName(new string('a', 64)));

    [Fact]
    public void The_default_options_are_valid_and_each_bad_one_is_named()
    {
        var validator = new RestoreOptionsValidator();
        Assert.True(validator.Validate(null, new RestoreOptions()).Succeeded);
        var result = validator.Validate(null, new RestoreOptions
        {
            KeepPrevious = TimeSpan.Zero,
            PlanValidFor = TimeSpan.FromDays(2),
            SwapLockTimeout = TimeSpan.FromMinutes(5),
            CleanupInterval = TimeSpan.Zero,
            DiskHeadroom = 0.5,
        });
        Assert.False(result.Succeeded);
        foreach (var key in new[] { "Restores:KeepPrevious", "Restores:PlanValidFor", "Restores:SwapLockTimeout", "Restores:CleanupInterval", "Restores:DiskHeadroom" })
        {
            Assert.Contains(result.Failures!, f => f.StartsWith(key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Swap_back_is_offered_only_for_a_finished_swap_whose_previous_database_is_still_kept()
    {
        var done = View(RestorePhases.Done, RestoreModes.Replace, keepUntil: Now.AddHours(1));
        Assert.True(done.CanSwapBackAt(Now));
        Assert.False(done.CanSwapBackAt(Now.AddHours(2))); // the keep time passed
        Assert.False((done with { SetAsideDroppedAt = Now }).CanSwapBackAt(Now));
        Assert.False((done with { SwappedBackAt = Now }).CanSwapBackAt(Now));
        Assert.False((done with { Phase = RestorePhases.Failed }).CanSwapBackAt(Now));
        Assert.False((done with { Mode = RestoreModes.NewDatabase }).CanSwapBackAt(Now)); // nothing was replaced
        Assert.True((done with { Mode = RestoreModes.SwapBack }).CanSwapBackAt(Now)); // a swap back can be undone too
    }

    [Fact]
    public void Steps_number_themselves_and_map_progress_into_their_share()
    {
        var context = new RecordingContext();
        var steps = new OperationSteps(context, ["check", "back up", "restore", "count", "swap", "keep"]);

        var restore = steps.Enter(3);
        restore.Progress(0.5, "restoring public.orders");

        Assert.Equal((2.0 / 6, "step 3 of 6: restore"), context.Progresses[0]);
        Assert.Equal(2.5 / 6, context.Progresses[1].Fraction!.Value, 6);
        Assert.Equal("step 3 of 6: restoring public.orders", context.Progresses[1].Step);
        Assert.Contains("step 3 of 6: restore", context.Lines);
    }

    [Theory]
    [InlineData("/var/run/postgresql", true)]
    [InlineData("localhost", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData(null, true)]
    [InlineData("db.internal", false)]
    [InlineData("10.0.0.5", false)]
    [InlineData("127.0.0.1,10.0.0.5", false)]
    public void The_data_directory_is_read_only_for_a_server_on_this_machine(string? host, bool local) =>
        Assert.Equal(local, TargetFacts.IsLocal(host));

    [Fact]
    public void The_replace_plan_has_six_steps_and_the_new_database_plan_four_and_neither_touches_the_original_in_words()
    {
        var replace = RestorePlanner.StepNames(RestoreModes.Replace, "shop", null, 3, TimeSpan.FromHours(24));
        var asNew = RestorePlanner.StepNames(RestoreModes.NewDatabase, "shop", "shop_copy", 3, TimeSpan.FromHours(24));
        Assert.Equal(6, replace.Count);
        Assert.Contains("end 3 session(s)", replace[4], StringComparison.Ordinal);
        Assert.Contains("24 h", replace[5], StringComparison.Ordinal);
        Assert.Equal(4, asNew.Count);
        Assert.Contains("shop is not touched", asNew[3], StringComparison.Ordinal);
    }

    private static RestoreView View(string phase, string mode, DateTimeOffset keepUntil) => new(
        Guid.NewGuid(), "shop", mode, Guid.NewGuid(), "shop.dump", phase, OperationState.Succeeded, "sam", "ann", Now.AddHours(-1), Now.AddHours(-1),
        Now.AddMinutes(-30), Now.AddMinutes(-30), 12.5, 25, "shop__restore_1", "shop__before_1", keepUntil, null, null, null, null, null);

    private sealed class RecordingContext : IOperationContext
    {
        public List<(double? Fraction, string Step)> Progresses { get; } = [];

        public List<string> Lines { get; } = [];

        public Guid OperationId { get; } = Guid.NewGuid();

        public string Target => "database:shop";

        public CancellationToken Cancellation => CancellationToken.None;

        public void Log(string line, OperationLogLevel level = OperationLogLevel.Info) => Lines.Add(line);

        public void Progress(double? fraction, string step) => Progresses.Add((fraction, step));
    }
}
