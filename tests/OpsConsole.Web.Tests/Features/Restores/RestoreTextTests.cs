using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.Web.Features.Restores;

namespace OpsConsole.Web.Tests.Features.Restores;

public sealed class RestoreTextTests
{
    private static readonly DateTimeOffset Now = FakeRestoreCommands.T0.AddMinutes(1);

    [Theory]
    [InlineData(RestoreKinds.Restore, OperationState.Running, "step 3 of 6: restoring public.orders", "Restore of shop in progress, step 3 of 6: restoring public.orders")]
    [InlineData(RestoreKinds.Restore, OperationState.Running, null, "Restore of shop in progress")]
    [InlineData(RestoreKinds.Restore, OperationState.AwaitingApproval, null, "Restore of shop awaits approval (requested by sam)")]
    [InlineData(RestoreKinds.Restore, OperationState.Queued, null, "Restore of shop is about to start")]
    [InlineData(RestoreKinds.SwapBack, OperationState.Running, "step 2 of 3: swapping", "Swap back of shop in progress, step 2 of 3: swapping")]
    public void The_banner_names_the_database_and_the_step_or_the_wait(string kind, OperationState state, string? step, string expected) =>
        Assert.Equal(expected, RestoreText.Banner(new ActiveRestore(Guid.NewGuid(), kind, "shop", state, step, null, "sam", "Restore shop")));

    [Theory]
    [InlineData(OperationState.Running, "step 3 of 6: restoring public.orders", "Restore of shop in progress, step 3 of 6", "restoring public.orders")]
    [InlineData(OperationState.Running, "starting", "Restore of shop in progress, starting", null)]
    [InlineData(OperationState.AwaitingApproval, null, "Restore of shop awaits approval (requested by sam)", null)]
    public void The_wall_shows_the_headline_large_and_what_the_step_does_apart(OperationState state, string? step, string headline, string? detail)
    {
        var restore = new ActiveRestore(Guid.NewGuid(), RestoreKinds.Restore, "shop", state, step, null, "sam", "Restore shop");
        Assert.Equal(headline, RestoreText.Headline(restore));
        Assert.Equal(detail, RestoreText.StepDetail(restore));
    }

    [Fact]
    public void A_restore_can_be_requested_only_with_the_exact_name_a_runnable_plan_and_before_it_expires()
    {
        var plan = FakeRestoreCommands.Plan();
        Assert.True(RestoreText.CanRequest(plan, "shop", Now));
        Assert.False(RestoreText.CanRequest(plan, "Shop", Now));
        Assert.False(RestoreText.CanRequest(plan, " shop", Now));
        Assert.False(RestoreText.CanRequest(plan, null, Now));
        Assert.False(RestoreText.CanRequest(null, "shop", Now));
        Assert.False(RestoreText.CanRequest(plan, "shop", plan.ExpiresAt.AddSeconds(1)));
        Assert.False(RestoreText.CanRequest(FakeRestoreCommands.Plan(problems: ["the file is missing"]), "shop", Now));
    }

    [Fact]
    public void The_plan_link_carries_the_chosen_backup()
    {
        var id = Guid.NewGuid();
        Assert.Equal("/databases/shop/restore", RestoreText.PlanHref("shop"));
        Assert.Equal($"/databases/shop/restore?backup={id}", RestoreText.PlanHref("shop", id));
    }
}
