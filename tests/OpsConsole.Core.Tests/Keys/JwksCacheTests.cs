using OpsConsole.Core.Keys;

namespace OpsConsole.Core.Tests.Keys;

public sealed class JwksCacheTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_next_change_is_the_next_publication_removal_or_revocation_not_an_activation_or_retirement()
    {
        var retiring = new KeyVersion("a", T0, T0, T0, RetireAt: T0.AddHours(24), RemoveAt: T0.AddHours(72));
        var pending = new KeyVersion("b", T0.AddHours(1), T0.AddHours(1), ActivateAt: T0.AddHours(24));

        // Activation of b and retirement of a (24 h) publish nothing new; a's removal (72 h) does.
        Assert.Equal(T0.AddHours(72), JwksCache.NextChange([retiring, pending], T0.AddHours(2)));
        Assert.Equal(T0.AddHours(1), JwksCache.NextChange([retiring, pending], T0.AddMinutes(30)));
        Assert.Equal(T0.AddHours(5), JwksCache.NextChange([retiring, pending with { RevokedAt = T0.AddHours(5) }], T0.AddHours(2)));
    }

    [Fact]
    public void Nothing_changes_after_the_last_removal()
    {
        var removed = new KeyVersion("a", T0, T0, T0, RetireAt: T0.AddHours(1), RemoveAt: T0.AddHours(2));
        var signing = new KeyVersion("b", T0, T0, T0.AddHours(1));

        Assert.Null(JwksCache.NextChange([removed, signing], T0.AddHours(2)));
        Assert.Null(JwksCache.NextChange([], T0));
    }
}
