using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Keys.Secrets;

/// <summary>
/// The declared external secrets (<c>Keys:Secrets:&lt;name&gt;</c>): payment, webhook and provider API keys that live outside
/// the console (environment variables, a vault). The console keeps who owns each, where it lives, how often it must be
/// rotated and when an operator last did, never the value.
/// </summary>
public sealed class SecretsOptions
{
    public const string Section = "Keys";

    public Dictionary<string, SecretOptions> Secrets { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One declared secret (<c>Keys:Secrets:&lt;name&gt;</c>). Durations are Prometheus durations.</summary>
public sealed class SecretOptions
{
    /// <summary>The team or person who rotates it (required).</summary>
    public string? Owner { get; set; }

    /// <summary>Where it lives, e.g. "env STRIPE_API_KEY on sampleshop" or "Vault kv/payments/stripe" (required).</summary>
    public string? Location { get; set; }

    /// <summary>How often it must be rotated.</summary>
    public string RotationPeriod { get; set; } = "90d";

    /// <summary>A rotation due within this long is shown (and alerted) as due soon; shorter than the period.</summary>
    public string WarnBefore { get; set; } = "14d";

    public string? Description { get; set; }

    /// <summary>A link to the provider's key page (http or https).</summary>
    public string? Url { get; set; }
}

/// <summary>A declared secret, parsed.</summary>
public sealed record DeclaredSecret(string Name, string Owner, string Location, TimeSpan RotationPeriod, TimeSpan WarnBefore, string? Description, Uri? Url);

/// <summary>Turns <c>Keys:Secrets</c> into <see cref="DeclaredSecret"/>s, naming the key of every bad value.</summary>
public static class DeclaredSecrets
{
    public const int MaxTextLength = 200;

    /// <summary>The API serves the inventory at /api/v1/keys/secrets, which a ring of this name would shadow.</summary>
    public const string ReservedRingName = "secrets";

    public static (IReadOnlyList<DeclaredSecret> Secrets, IReadOnlyList<string> Errors) Parse(SecretsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var secrets = new List<DeclaredSecret>();
        foreach (var (name, o) in options.Secrets.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var key = $"{SecretsOptions.Section}:Secrets:{name}";
            var before = errors.Count;
            if (!KeyRings.IsValidName(name))
            {
                errors.Add($"{key}: the name must be 1 to {KeyRings.MaxNameLength} lower-case letters, digits, '-' or '_', starting with a letter or digit (it is in URLs and metric labels).");
            }

            var owner = Required(o.Owner, $"{key}:Owner", "a team or person, e.g. payments-team", errors);
            var location = Required(o.Location, $"{key}:Location", "where it lives, e.g. \"env STRIPE_API_KEY on sampleshop\"", errors);
            var period = Positive(o.RotationPeriod, $"{key}:RotationPeriod", "90d", errors);
            var warn = Positive(o.WarnBefore, $"{key}:WarnBefore", "14d", errors);
            if (warn is { } w && period is { } p && w >= p)
            {
                errors.Add($"{key}:WarnBefore ({o.WarnBefore}) must be shorter than RotationPeriod ({o.RotationPeriod}), or the secret would always be due soon.");
            }

            if (o.Description is { Length: > 500 })
            {
                errors.Add($"{key}:Description is longer than 500 characters.");
            }

            Uri? url = null;
            if (!string.IsNullOrWhiteSpace(o.Url)
                && (!Uri.TryCreate(o.Url.Trim(), UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
            {
                errors.Add($"{key}:Url \"{o.Url}\" is not an absolute http or https address.");
            }

            if (errors.Count == before)
            {
                secrets.Add(new DeclaredSecret(name, owner!, location!, period!.Value, warn!.Value, string.IsNullOrWhiteSpace(o.Description) ? null : o.Description.Trim(), url));
            }
        }

        return (secrets, errors);
    }

    private static string? Required(string? text, string key, string example, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"{key} is required: {example}.");
            return null;
        }

        if (text.Trim().Length > MaxTextLength)
        {
            errors.Add($"{key} is longer than {MaxTextLength} characters.");
            return null;
        }

        return text.Trim();
    }

    private static TimeSpan? Positive(string text, string key, string example, List<string> errors)
    {
        if (!PromDuration.TryParse(text, out var value, out var error))
        {
            errors.Add($"{key} \"{text}\" is not a duration such as {example} ({error}).");
            return null;
        }

        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be a positive duration such as {example}, not \"{text}\".");
            return null;
        }

        return value;
    }
}

/// <summary>Fails the start naming every bad value under <c>Keys:Secrets</c> (and a ring named "secrets", whose API path the inventory takes).</summary>
public sealed class SecretsOptionsValidator(IConfiguration configuration) : IValidateOptions<SecretsOptions>
{
    public ValidateOptionsResult Validate(string? name, SecretsOptions options)
    {
        var errors = DeclaredSecrets.Parse(options).Errors.ToList();
        if (configuration.GetSection($"{SecretsOptions.Section}:Rings:{DeclaredSecrets.ReservedRingName}").Exists())
        {
            errors.Add($"{SecretsOptions.Section}:Rings:{DeclaredSecrets.ReservedRingName}: a key ring may not be named \"{DeclaredSecrets.ReservedRingName}\" (/api/v1/keys/secrets is the secrets inventory).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The declared secrets, parsed once (the options were validated at start).</summary>
public sealed class ConfiguredSecrets
{
    public ConfiguredSecrets(IOptions<SecretsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Secrets = DeclaredSecrets.Parse(options.Value).Secrets;
    }

    public IReadOnlyList<DeclaredSecret> Secrets { get; }

    public DeclaredSecret? Find(string name) => Secrets.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));
}
