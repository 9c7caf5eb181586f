using Microsoft.Extensions.Configuration;
using OpsConsole.Core.Keys.Secrets;

namespace OpsConsole.Core.Tests.Keys.Secrets;

public sealed class SecretOptionsTests
{
    private static SecretOptions Good() => new() { Owner = "payments-team", Location = "env STRIPE_API_KEY on sampleshop" };

    [Fact]
    public void A_declared_secret_parses_with_the_default_period_and_warning()
    {
        var (secrets, errors) = DeclaredSecrets.Parse(new SecretsOptions { Secrets = { ["stripe-api"] = Good() } });

        Assert.Empty(errors);
        var secret = Assert.Single(secrets);
        Assert.Equal(("stripe-api", "payments-team", "env STRIPE_API_KEY on sampleshop"), (secret.Name, secret.Owner, secret.Location));
        Assert.Equal((TimeSpan.FromDays(90), TimeSpan.FromDays(14)), (secret.RotationPeriod, secret.WarnBefore));
        Assert.Null(secret.Url);
    }

    [Fact]
    public void Description_and_url_are_kept()
    {
        var options = Good();
        options.Description = "  Stripe secret key  ";
        options.Url = "https://dashboard.stripe.com/apikeys";
        options.RotationPeriod = "30d";
        options.WarnBefore = "7d";

        var secret = Assert.Single(DeclaredSecrets.Parse(new SecretsOptions { Secrets = { ["stripe"] = options } }).Secrets);

        Assert.Equal("Stripe secret key", secret.Description);
        Assert.Equal(new Uri("https://dashboard.stripe.com/apikeys"), secret.Url);
        Assert.Equal((TimeSpan.FromDays(30), TimeSpan.FromDays(7)), (secret.RotationPeriod, secret.WarnBefore));
    }

    [Fact]
    public void Every_bad_value_is_named_by_its_key_and_the_secret_is_not_used()
    {
        SecretOptions With(Action<SecretOptions> change)
        {
            var o = Good();
            change(o);
            return o;
        }

        var (secrets, errors) = DeclaredSecrets.Parse(new SecretsOptions
        {
            Secrets =
            {
                ["fine"] = Good(),
                ["Bad Name"] = Good(),
                ["no-owner"] = With(o => o.Owner = " "),
                ["no-location"] = With(o => o.Location = null),
                ["bad-period"] = With(o => o.RotationPeriod = "quarterly"),
                ["zero-warn"] = With(o => o.WarnBefore = "0s"),
                ["warn-too-long"] = With(o => (o.RotationPeriod, o.WarnBefore) = ("30d", "30d")),
                ["bad-url"] = With(o => o.Url = "ftp://example.com/keys"),
            },
        });

        Assert.Equal(["fine"], secrets.Select(s => s.Name));
        Assert.Contains(errors, e => e.StartsWith("Keys:Secrets:Bad Name: the name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Keys:Secrets:no-owner:Owner is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Keys:Secrets:no-location:Location is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Keys:Secrets:bad-period:RotationPeriod \"quarterly\" is not a duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Keys:Secrets:zero-warn:WarnBefore must be a positive duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Keys:Secrets:warn-too-long:WarnBefore (30d) must be shorter than RotationPeriod (30d)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Keys:Secrets:bad-url:Url \"ftp://example.com/keys\"", StringComparison.Ordinal));
        Assert.Equal(7, errors.Count);
    }

    [Fact]
    public void The_validator_fails_the_start_naming_the_keys_and_refuses_a_ring_named_secrets()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Keys:Rings:secrets:Algorithm"] = "ES256" }).Build();
        var validator = new SecretsOptionsValidator(configuration);

        var result = validator.Validate(null, new SecretsOptions { Secrets = { ["webhook"] = new SecretOptions { Owner = "shop" } } });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Keys:Secrets:webhook:Location is required", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Keys:Rings:secrets: a key ring may not be named", StringComparison.Ordinal));
        Assert.True(new SecretsOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, new SecretsOptions { Secrets = { ["ok"] = Good() } }).Succeeded);
    }
}
