using Microsoft.Extensions.Configuration;
using OpsConsole.Core.Keys;

namespace OpsConsole.Core.Demo;

/// <summary>
/// The key rings the demo adds, so the Keys page is alive on first run: "sampleshop" (ES256, SampleShop's session tokens,
/// weekly) and "partners" (RS256, monthly, revocations need a second person). A configured ring of the same name wins.
/// </summary>
public static class DemoKeys
{
    public const string SampleShopRing = "sampleshop";
    public const string PartnersRing = "partners";

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
        return entries;
    }
}
