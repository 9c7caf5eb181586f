using Microsoft.Extensions.Configuration;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Keys;
using OpsConsole.Core.Keys.Secrets;

namespace OpsConsole.Core.Tests.Demo;

public sealed class DemoKeysTests
{
    private static KeysOptions Bind(Dictionary<string, string?> configured)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(configured);
        configuration.AddInMemoryCollection(DemoKeys.Entries(configuration));
        return configuration.GetSection(KeysOptions.Section).Get<KeysOptions>() ?? new KeysOptions();
    }

    [Fact]
    public void The_demo_adds_two_rings_that_pass_the_start_checks()
    {
        var options = Bind([]);

        Assert.Equal(["partners", "sampleshop"], options.Rings.Keys.Order(StringComparer.Ordinal));
        var (rings, _, errors) = KeyRings.Parse(options);
        Assert.Empty(errors);
        Assert.Equal(("ES256", false), (rings.Single(r => r.Name == "sampleshop").Algorithm.Name, rings.Single(r => r.Name == "sampleshop").RequireApproval));
        Assert.Equal(("RS256", true), (rings.Single(r => r.Name == "partners").Algorithm.Name, rings.Single(r => r.Name == "partners").RequireApproval));
    }

    [Fact]
    public void A_configured_ring_of_the_same_name_wins_and_others_are_kept()
    {
        var options = Bind(new() { ["Keys:Rings:sampleshop:Algorithm"] = "RS256", ["Keys:Rings:mine:Algorithm"] = "ES384" });

        Assert.Equal("RS256", options.Rings["sampleshop"].Algorithm);
        Assert.Equal("30d", options.Rings["sampleshop"].RotationPeriod); // the option's default, none of the demo's settings merged in
        Assert.Equal(["mine", "partners", "sampleshop"], options.Rings.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_demo_declares_sampleshops_external_secrets_which_pass_the_start_checks_and_a_configured_one_wins()
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Keys:Secrets:sampleshop-mail-relay:Owner"] = "me", ["Keys:Secrets:sampleshop-mail-relay:Location"] = "env MAIL" });
        configuration.AddInMemoryCollection(DemoKeys.Entries(configuration));
        var options = configuration.GetSection(SecretsOptions.Section).Get<SecretsOptions>() ?? new SecretsOptions();

        var (secrets, errors) = DeclaredSecrets.Parse(options);

        Assert.Empty(errors);
        Assert.Equal([DemoKeys.MailSecret, DemoKeys.PaymentSecret, DemoKeys.WebhookSecret], secrets.Select(s => s.Name));
        Assert.Equal(("me", TimeSpan.FromDays(90)), (secrets[0].Owner, secrets[0].RotationPeriod)); // configured: the demo's 365d not merged in
        Assert.Equal("env PAYMENT_API_KEY on sampleshop", secrets[1].Location);
    }
}
