using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Keys.Secrets;

namespace OpsConsole.Core.Tests.Keys.Secrets;

public sealed class SecretStatusTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static readonly DeclaredSecret Stripe = new("stripe-api", "payments-team", "env STRIPE_API_KEY on sampleshop", TimeSpan.FromDays(90), TimeSpan.FromDays(14), null, null);

    [Fact]
    public void A_recorded_secret_moves_from_ok_to_due_soon_to_overdue_as_the_clock_moves()
    {
        var clock = new FakeTimeProvider(T0);
        var rotated = T0;
        var declared = T0.AddDays(-400);

        Assert.Equal(new SecretStatus(SecretState.Ok, T0.AddDays(90), rotated), SecretStatus.Of(Stripe, rotated, declared, clock.GetUtcNow()));

        clock.Advance(TimeSpan.FromDays(76) - TimeSpan.FromSeconds(1));
        Assert.Equal(SecretState.Ok, SecretStatus.Of(Stripe, rotated, declared, clock.GetUtcNow()).State);
        clock.Advance(TimeSpan.FromSeconds(1)); // exactly WarnBefore (14d) before the due date
        Assert.Equal(SecretState.DueSoon, SecretStatus.Of(Stripe, rotated, declared, clock.GetUtcNow()).State);

        clock.Advance(TimeSpan.FromDays(14) - TimeSpan.FromSeconds(1));
        Assert.Equal(SecretState.DueSoon, SecretStatus.Of(Stripe, rotated, declared, clock.GetUtcNow()).State);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(SecretState.Overdue, SecretStatus.Of(Stripe, rotated, declared, clock.GetUtcNow()).State);
    }

    [Fact]
    public void A_secret_never_recorded_is_unknown_until_one_period_after_it_was_first_declared_then_overdue()
    {
        var declared = T0;

        var fresh = SecretStatus.Of(Stripe, null, declared, T0.AddDays(80)); // inside the warning window, still only "unknown"
        Assert.Equal(new SecretStatus(SecretState.Unknown, T0.AddDays(90), null), fresh);

        Assert.Equal(SecretState.Overdue, SecretStatus.Of(Stripe, null, declared, T0.AddDays(90)).State);
    }

    [Fact]
    public void The_board_says_overdue_as_a_warning_due_soon_as_info_and_nothing_when_ok_or_never_recorded_but_not_yet_due()
    {
        SecretView View(DateTimeOffset? rotated, DateTimeOffset now) =>
            new(Stripe, now, T0, SecretStatus.Of(Stripe, rotated, T0, now), rotated is { } r ? [new SecretRotationView(1, r, r, "sam", null)] : []);

        Assert.Empty(SecretWatch.ItemsOf(View(T0, T0.AddDays(1))));

        var soon = Assert.Single(SecretWatch.ItemsOf(View(T0, T0.AddDays(80))));
        Assert.Equal(("secrets-due-soon:stripe-api", AttentionLevel.Info), (soon.Key, soon.Level));
        Assert.Contains("payments-team", soon.Detail, StringComparison.Ordinal);

        var late = Assert.Single(SecretWatch.ItemsOf(View(T0, T0.AddDays(91))));
        Assert.Equal(("secrets-overdue:stripe-api", AttentionLevel.Warning, T0.AddDays(90)), (late.Key, late.Level, late.Since));
        Assert.Equal("/keys#external-secrets", late.Href);

        Assert.Empty(SecretWatch.ItemsOf(View(null, T0.AddDays(80)))); // never recorded, not yet due: only the Keys page asks for a record

        var neverAndLate = Assert.Single(SecretWatch.ItemsOf(View(null, T0.AddDays(100))));
        Assert.Equal(AttentionLevel.Warning, neverAndLate.Level);
        Assert.Contains("no rotation recorded", neverAndLate.Title, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("value", true)]
    [InlineData("apiKey", true)]
    [InlineData("Secret", true)]
    [InlineData("newPassword", true)]
    [InlineData("token", true)]
    [InlineData("rotatedAt", false)]
    [InlineData("note", false)]
    public void Value_like_fields_are_recognised(string field, bool refused) => Assert.Equal(refused, SecretValueGuard.IsValueField(field));

    [Theory]
    [InlineData("rotated in the Stripe dashboard, CHG-1234", false)]
    [InlineData("see https://dashboard.stripe.com/apikeys", false)]
    [InlineData("ticket 0b3e7c1a-6f7e-4f43-9d1a-5d0f6a2b9c11", false)]
    [InlineData("new key sk_live_abc", true)]
    [InlineData("whsec_9f8e7d6c", true)]
    [InlineData("it is 4eC39HqLyjWDarjtT1zdp7dc4eC39HqLy now", true)]
    public void A_note_holding_something_shaped_like_a_key_is_recognised(string note, bool refused) => Assert.Equal(refused, SecretValueGuard.LooksLikeAValue(note));
}
