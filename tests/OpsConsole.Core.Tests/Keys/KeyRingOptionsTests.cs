using OpsConsole.Core.Keys;

namespace OpsConsole.Core.Tests.Keys;

public sealed class KeyRingOptionsTests
{
    private static KeyRingOptions Good() => new() { Algorithm = "ES256", RotationPeriod = "30d", LeadTime = "1d", Grace = "2d", MaxTokenLifetime = "12h", WarnBefore = "3d" };

    [Fact]
    public void A_good_ring_parses_with_its_durations()
    {
        var (rings, maxAge, errors) = KeyRings.Parse(new KeysOptions { JwksMaxAge = "5m", Rings = { ["sessions"] = Good() } });

        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromMinutes(5), maxAge);
        var ring = Assert.Single(rings);
        Assert.Equal(("sessions", SigningAlgorithm.ES256), (ring.Name, ring.Algorithm));
        Assert.Equal(
            (TimeSpan.FromDays(30), TimeSpan.FromDays(1), TimeSpan.FromDays(2), TimeSpan.FromHours(12), TimeSpan.FromDays(3)),
            (ring.RotationPeriod, ring.LeadTime, ring.Grace, ring.MaxTokenLifetime, ring.WarnBefore));
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(KeyRings.Parse(new KeysOptions { Rings = { ["default"] = new KeyRingOptions() } }).Errors);
    }

    [Fact]
    public void Every_bad_value_is_named_by_its_key_and_the_ring_is_not_used()
    {
        var (rings, _, errors) = KeyRings.Parse(new KeysOptions
        {
            JwksMaxAge = "2h",
            Rings =
            {
                ["sessions"] = Good(),
                ["Bad Name"] = Good(),
                ["hs"] = Good().With(o => o.Algorithm = "HS256"),
                ["short-grace"] = Good().With(o => o.Grace = "1h"),
                ["lead"] = Good().With(o => (o.LeadTime, o.RotationPeriod, o.WarnBefore) = ("7d", "7d", "1d")),
                ["zero"] = Good().With(o => (o.RotationPeriod, o.WarnBefore) = ("0", "a week")),
                ["rsa"] = Good().With(o => (o.Algorithm, o.RsaKeySize) = ("RS256", 1024)),
            },
        });

        Assert.Equal(["sessions"], rings.Select(r => r.Name));
        Assert.Collection(errors,
            e => Assert.StartsWith("Keys:Rings:Bad Name: the name must be 1 to 40 lower-case letters", e, StringComparison.Ordinal),
            e => Assert.Equal("Keys:Rings:hs:Algorithm \"HS256\" is not supported; use one of RS256, PS256, ES256, ES384.", e),
            e => Assert.StartsWith("Keys:Rings:lead:LeadTime (7d) must be shorter than RotationPeriod (7d)", e, StringComparison.Ordinal),
            e => Assert.StartsWith("Keys:Rings:rsa:RsaKeySize 1024 is not supported; use one of 2048, 3072, 4096", e, StringComparison.Ordinal),
            e => Assert.StartsWith("Keys:Rings:short-grace:Grace (1h) must be at least MaxTokenLifetime (12h)", e, StringComparison.Ordinal),
            e => Assert.Equal("Keys:Rings:zero:RotationPeriod must be a positive duration such as 30d, not \"0\".", e),
            e => Assert.StartsWith("Keys:Rings:zero:WarnBefore \"a week\" is not a duration such as 3d", e, StringComparison.Ordinal));
        // 2h is shorter than every ring's lead time (1d or more), so JwksMaxAge is fine here.
        Assert.DoesNotContain(errors, e => e.StartsWith("Keys:JwksMaxAge", StringComparison.Ordinal));
    }

    [Fact]
    public void The_jwks_max_age_must_be_shorter_than_every_lead_time()
    {
        var (rings, _, errors) = KeyRings.Parse(new KeysOptions
        {
            JwksMaxAge = "1h",
            Rings = { ["slow"] = Good(), ["fast"] = Good().With(o => o.LeadTime = "1h") },
        });

        Assert.Equal(["slow"], rings.Select(r => r.Name));
        Assert.StartsWith("Keys:JwksMaxAge (1h) must be shorter than Keys:Rings:fast:LeadTime (1h)", Assert.Single(errors), StringComparison.Ordinal);
        Assert.StartsWith("Keys:JwksMaxAge \"soon\" is not a duration", Assert.Single(KeyRings.Parse(new KeysOptions { JwksMaxAge = "soon" }).Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void The_validator_fails_the_start_with_every_error()
    {
        var result = new KeysOptionsValidator().Validate(null, new KeysOptions { Rings = { ["a"] = Good().With(o => (o.Algorithm, o.Grace) = ("none", "1m")) } });

        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
        Assert.True(new KeysOptionsValidator().Validate(null, new KeysOptions { Rings = { ["a"] = Good() } }).Succeeded);
    }
}

internal static class KeyRingOptionsExtensions
{
    public static KeyRingOptions With(this KeyRingOptions options, Action<KeyRingOptions> change)
    {
        change(options);
        return options;
    }
}
