using Microsoft.Extensions.Configuration;
using OpsConsole.Core.Keys;
using OpsConsole.Core.Keys.Secrets;

namespace OpsConsole.Core.Demo;

/// <summary>
/// The key rings the demo adds, so the Keys page is alive on first run: "sampleshop" (ES256, SampleShop's session tokens,
/// weekly) and "partners" (RS256, monthly, revocations need a second person). A configured ring of the same name wins.
/// And SampleShop's external secrets for the inventory (declared only: no rotation history is made up, so they start as
/// "needs a first record").
/// </summary>
public static class DemoKeys
{
    public const string SampleShopRing = "sampleshop";
    public const string PartnersRing = "partners";

    public const string PaymentSecret = "sampleshop-payment-api";
    public const string WebhookSecret = "sampleshop-payment-webhook";
    public const string MailSecret = "sampleshop-mail-relay";

    public static IReadOnlyDictionary<string, string?> Entries(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var entries = new Dictionary<string, string?>();
        var rings = configuration.GetSection($"{KeysOptions.Section}:{nameof(KeysOptions.Rings)}");
        void Add(string name, params (string Key, string Value)[] settings)
        {
            if (rings.GetSection(name).Exists())
            {
                return;
            }

            foreach (var (key, value) in settings)
            {
                entries[$"{KeysOptions.Section}:{nameof(KeysOptions.Rings)}:{name}:{key}"] = value;
            }
        }

        // A lead time well past Microsoft.IdentityModel's 5-minute minimum refresh, so SampleShop holds a key before it signs.
        Add(SampleShopRing,
            (nameof(KeyRingOptions.Algorithm), "ES256"), (nameof(KeyRingOptions.RotationPeriod), "7d"), (nameof(KeyRingOptions.LeadTime), "1h"),
            (nameof(KeyRingOptions.Grace), "1d"), (nameof(KeyRingOptions.MaxTokenLifetime), "8h"), (nameof(KeyRingOptions.WarnBefore), "1d"));
        Add(PartnersRing,
            (nameof(KeyRingOptions.Algorithm), "RS256"), (nameof(KeyRingOptions.RotationPeriod), "30d"), (nameof(KeyRingOptions.LeadTime), "1d"),
            (nameof(KeyRingOptions.Grace), "2d"), (nameof(KeyRingOptions.MaxTokenLifetime), "1d"), (nameof(KeyRingOptions.WarnBefore), "3d"),
            (nameof(KeyRingOptions.RequireApproval), "true"));

        var secrets = configuration.GetSection($"{SecretsOptions.Section}:{nameof(SecretsOptions.Secrets)}");
        void Declare(string name, params (string Key, string Value)[] settings)
        {
            if (secrets.GetSection(name).Exists())
            {
                return;
            }

            foreach (var (key, value) in settings)
            {
                entries[$"{SecretsOptions.Section}:{nameof(SecretsOptions.Secrets)}:{name}:{key}"] = value;
            }
        }

        Declare(PaymentSecret,
            (nameof(SecretOptions.Owner), "payments-team"), (nameof(SecretOptions.Location), "env PAYMENT_API_KEY on sampleshop"),
            (nameof(SecretOptions.RotationPeriod), "90d"), (nameof(SecretOptions.WarnBefore), "14d"),
            (nameof(SecretOptions.Description), "The payment provider's secret API key (charges and refunds)"),
            (nameof(SecretOptions.Url), "https://dashboard.stripe.com/apikeys"));
        Declare(WebhookSecret,
            (nameof(SecretOptions.Owner), "payments-team"), (nameof(SecretOptions.Location), "env PAYMENT_WEBHOOK_SECRET on sampleshop"),
            (nameof(SecretOptions.RotationPeriod), "180d"), (nameof(SecretOptions.WarnBefore), "14d"),
            (nameof(SecretOptions.Description), "Verifies the signature of the payment provider's webhook calls"));
        Declare(MailSecret,
            (nameof(SecretOptions.Owner), "shop-team"), (nameof(SecretOptions.Location), "Vault kv/sampleshop/mail-relay"),
            (nameof(SecretOptions.RotationPeriod), "365d"), (nameof(SecretOptions.WarnBefore), "30d"),
            (nameof(SecretOptions.Description), "The mail relay's API key for order confirmations"));
        return entries;
    }
}
