using OpsConsole.Core.Identity.ApiTokens;

namespace OpsConsole.Core.Tests.Identity;

public sealed class ApiTokenLifetimeTests
{
    [Theory]
    [InlineData("30m", 0, 0, 30)]
    [InlineData("12h", 0, 12, 0)]
    [InlineData("1d", 1, 0, 0)]
    [InlineData("2w", 14, 0, 0)]
    [InlineData("1y", 365, 0, 0)]
    [InlineData(" 90d ", 90, 0, 0)]
    public void Parses_a_number_and_a_unit(string text, int days, int hours, int minutes)
    {
        Assert.True(ApiTokenLifetime.TryParse(text, out var lifetime));
        Assert.Equal(new TimeSpan(days, hours, minutes, 0), lifetime);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0d")]
    [InlineData("1")]
    [InlineData("d")]
    [InlineData("1.5d")]
    [InlineData("-1d")]
    [InlineData("1x")]
    [InlineData("1D")]
    [InlineData("9999999d")]
    public void Rejects_anything_else(string? text)
    {
        Assert.False(ApiTokenLifetime.TryParse(text, out _));
    }
}
