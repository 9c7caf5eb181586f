using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Tests.Operations;

public sealed class OperationLifecycleTests
{
    private static readonly DateTimeOffset Requested = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Expiry = TimeSpan.FromHours(4);

    [Fact]
    public void A_request_that_needs_a_second_person_waits_for_approval_the_others_are_queued()
    {
        Assert.Equal(OperationState.AwaitingApproval, OperationLifecycle.Initial(needsApproval: true));
        Assert.Equal(OperationState.Queued, OperationLifecycle.Initial(needsApproval: false));
    }

    [Theory]
    [InlineData(OperationState.AwaitingApproval, OperationState.Queued, true)]
    [InlineData(OperationState.AwaitingApproval, OperationState.Running, false)] // never skips the queue and its lock
    [InlineData(OperationState.AwaitingApproval, OperationState.Failed, true)] // expired
    [InlineData(OperationState.Queued, OperationState.Running, true)]
    [InlineData(OperationState.Queued, OperationState.Succeeded, false)]
    [InlineData(OperationState.Running, OperationState.Succeeded, true)]
    [InlineData(OperationState.Running, OperationState.Failed, true)]
    [InlineData(OperationState.Running, OperationState.Queued, false)]
    [InlineData(OperationState.Succeeded, OperationState.Failed, false)]
    [InlineData(OperationState.Failed, OperationState.Running, false)]
    [InlineData(OperationState.Cancelled, OperationState.Queued, false)]
    public void Moves_follow_queued_awaiting_running_final(OperationState from, OperationState to, bool allowed) =>
        Assert.Equal(allowed, OperationLifecycle.CanMove(from, to));

    [Fact]
    public void Final_states_never_move()
    {
        foreach (var final in new[] { OperationState.Succeeded, OperationState.Failed, OperationState.Cancelled })
        {
            Assert.True(OperationLifecycle.IsFinal(final));
            Assert.All(Enum.GetValues<OperationState>(), to => Assert.False(OperationLifecycle.CanMove(final, to)));
        }

        Assert.False(OperationLifecycle.IsFinal(OperationState.Running));
    }

    [Theory]
    [InlineData(OperationState.Queued, false, true)]
    [InlineData(OperationState.AwaitingApproval, false, true)]
    [InlineData(OperationState.Running, false, false)] // e.g. a restore past its swap
    [InlineData(OperationState.Running, true, true)] // e.g. a backup: stop and delete the partial file
    [InlineData(OperationState.Succeeded, true, false)]
    public void Cancel_is_offered_only_where_it_is_safe(OperationState state, bool cancellableWhileRunning, bool expected) =>
        Assert.Equal(expected, OperationLifecycle.CanCancel(state, cancellableWhileRunning));

    [Fact]
    public void A_different_person_who_may_act_approves_before_the_expiry()
    {
        Assert.Equal(ApprovalVerdict.Approved, Check("bob-id", mayAct: true, Requested.AddHours(1)));
    }

    [Fact]
    public void The_requester_never_approves_their_own_operation_even_with_every_role()
    {
        var verdict = Check("alice-id", mayAct: true, Requested.AddMinutes(1));

        Assert.Equal(ApprovalVerdict.SelfApproval, verdict);
        Assert.Equal("You requested this operation: a different person must approve it.", OperationLifecycle.Describe(verdict));
    }

    [Fact]
    public void Someone_without_the_role_cannot_approve()
    {
        Assert.Equal(ApprovalVerdict.NotAllowed, Check("viewer-id", mayAct: false, Requested.AddMinutes(1)));
    }

    [Fact]
    public void A_request_expires_at_its_deadline_and_is_no_longer_approvable()
    {
        Assert.Equal(ApprovalVerdict.Approved, Check("bob-id", mayAct: true, Requested + Expiry - TimeSpan.FromTicks(1)));
        Assert.Equal(ApprovalVerdict.Expired, Check("bob-id", mayAct: true, Requested + Expiry));
        Assert.Equal(ApprovalVerdict.Expired, Check("alice-id", mayAct: true, Requested + Expiry)); // expiry is said first
    }

    [Fact]
    public void Only_an_operation_awaiting_approval_can_be_approved()
    {
        Assert.Equal(ApprovalVerdict.NotAwaitingApproval,
            OperationLifecycle.CheckApproval(OperationState.Running, "alice-id", Requested, Expiry, "bob-id", approverMayAct: true, Requested.AddMinutes(1)));
    }

    private static ApprovalVerdict Check(string approver, bool mayAct, DateTimeOffset now) =>
        OperationLifecycle.CheckApproval(OperationState.AwaitingApproval, "alice-id", Requested, Expiry, approver, mayAct, now);
}
