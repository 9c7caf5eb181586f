using Microsoft.IdentityModel.Tokens;
using SampleShop.Sessions;

namespace SampleShop.Tests.Sessions;

public sealed class TokenMetricsTests
{
    [Fact]
    public void Failures_read_as_short_reasons()
    {
        Assert.Equal("unknown_kid", TokenMetrics.Reason(new SecurityTokenSignatureKeyNotFoundException()));
        Assert.Equal("expired", TokenMetrics.Reason(new SecurityTokenExpiredException()));
        Assert.Equal("no_expiry", TokenMetrics.Reason(new SecurityTokenNoExpirationException()));
        Assert.Equal("bad_signature", TokenMetrics.Reason(new SecurityTokenInvalidSignatureException()));
        Assert.Equal("bad_audience", TokenMetrics.Reason(new SecurityTokenInvalidAudienceException()));
        Assert.Equal("malformed", TokenMetrics.Reason(new SecurityTokenMalformedException()));
        Assert.Equal("other", TokenMetrics.Reason(new InvalidOperationException()));
    }

    [Fact]
    public void Only_thumbprint_kids_become_labels_and_never_more_than_the_cap()
    {
        Assert.Equal("none", TokenMetrics.KidLabel(null));
        Assert.Equal("none", TokenMetrics.KidLabel("not a token"));
        Assert.Equal("other", TokenMetrics.Bounded("nope"));
        Assert.Equal("other", TokenMetrics.Bounded(new string('a', 42) + "!"));

        // Far more distinct thumbprint-shaped kids than the cap: the label set stays bounded.
        var labels = Enumerable.Range(0, TokenMetrics.MaxKids * 3)
            .Select(i => TokenMetrics.Bounded(Base64UrlEncoder.Encode(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)))))
            .ToHashSet(StringComparer.Ordinal);
        Assert.InRange(labels.Count, 2, TokenMetrics.MaxKids + 1);
        Assert.Contains("other", labels);
    }
}
