using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Identity.Displays;

namespace OpsConsole.Core.Tests.Identity.Displays;

public sealed class DisplayPairingCodeTests
{
    [Fact]
    public void A_generated_code_is_two_groups_of_five_and_normalizes_to_ten_symbols()
    {
        var code = DisplayPairingCode.Generate();

        Assert.Matches("^[A-Z2-9]{5}-[A-Z2-9]{5}$", code);
        Assert.Equal(code.Replace("-", "", StringComparison.Ordinal), DisplayPairingCode.Normalize(code));
    }

    [Fact]
    public void Codes_do_not_repeat()
    {
        var codes = Enumerable.Range(0, 1000).Select(_ => DisplayPairingCode.Generate()).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(1000, codes.Count);
    }

    [Theory]
    [InlineData("abcde-fghjk", "ABCDEFGHJK")]
    [InlineData(" ABCDE FGHJK ", "ABCDEFGHJK")]
    [InlineData("ABCDEFGHJK", "ABCDEFGHJK")]
    public void Typing_variations_of_the_same_code_are_accepted(string typed, string expected) =>
        Assert.Equal(expected, DisplayPairingCode.Normalize(typed));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ABCDE-FGHJ")] // too short
    [InlineData("ABCDE-FGHJKM")] // too long
    [InlineData("ABCDE-FGHJ0")] // 0 is not in the alphabet (looks like O)
    [InlineData("ABCDE-FGHJI")] // nor I
    [InlineData("ABCDE/FGHJK")]
    public void Anything_that_cannot_be_a_code_is_refused_before_any_lookup(string? typed) =>
        Assert.Null(DisplayPairingCode.Normalize(typed));

    [Fact]
    public void The_hash_is_the_same_for_the_same_code_and_differs_for_another()
    {
        Assert.Equal(DisplayPairingCode.Hash("ABCDEFGHJK"), DisplayPairingCode.Hash("ABCDEFGHJK"));
        Assert.NotEqual(DisplayPairingCode.Hash("ABCDEFGHJK"), DisplayPairingCode.Hash("ABCDEFGHJM"));
    }

    [Fact]
    public void A_display_is_pending_for_ten_minutes_then_its_code_has_expired()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var device = Device(time.GetUtcNow() + DisplayPairingCode.Lifetime);

        Assert.Equal(DisplayStatus.Pending, device.StatusAt(time.GetUtcNow()));
        time.Advance(DisplayPairingCode.Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(DisplayStatus.Pending, device.StatusAt(time.GetUtcNow()));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DisplayStatus.CodeExpired, device.StatusAt(time.GetUtcNow()));
    }

    [Fact]
    public void Revoked_wins_over_paired_and_paired_over_a_code()
    {
        var now = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var device = Device(now.AddMinutes(5));
        device.PairedAt = now;
        Assert.Equal(DisplayStatus.Paired, device.StatusAt(now));

        device.RevokedAt = now;
        Assert.Equal(DisplayStatus.Revoked, device.StatusAt(now));
    }

    private static DisplayDevice Device(DateTimeOffset codeExpiresAt) => new()
    {
        Name = "Lobby",
        CreatedBy = "admin",
        Stamp = "s",
        PairingCodeHash = DisplayPairingCode.Hash("ABCDEFGHJK"),
        PairingCodeExpiresAt = codeExpiresAt,
    };
}
