using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Keys;

/// <summary>
/// The <c>Keys</c> section: the signing key rings (<c>Keys:Rings:&lt;name&gt;</c>) and how long consumers may cache the
/// JWKS (<c>Keys:JwksMaxAge</c>).
/// </summary>
public sealed class KeysOptions
{
    public const string Section = "Keys";

    /// <summary>
    /// The JWKS responses' <c>Cache-Control: max-age</c>, as a Prometheus duration (0: no caching). Must be shorter than
    /// every ring's <see cref="KeyRingOptions.LeadTime"/>, so a cache fetched just before a new key was published expires
    /// before that key signs.
    /// </summary>
    public string JwksMaxAge { get; set; } = "5m";

    public Dictionary<string, KeyRingOptions> Rings { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One key ring (<c>Keys:Rings:&lt;name&gt;</c>): a sequence of key versions, one signing at a time. Durations are Prometheus durations.</summary>
public sealed class KeyRingOptions
{
    /// <summary>The JWS algorithm: RS256, PS256 (RSA), ES256 (P-256) or ES384 (P-384).</summary>
    public string Algorithm { get; set; } = "ES256";

    /// <summary>RSA modulus size in bits for RS256/PS256 (2048, 3072 or 4096); ignored for ECDSA.</summary>
    public int RsaKeySize { get; set; } = 2048;

    /// <summary>How long each key signs before the next one takes over.</summary>
    public string RotationPeriod { get; set; } = "30d";

    /// <summary>A new key is published this long before it signs, so consumers' JWKS caches hold it before they meet a token it signed.</summary>
    public string LeadTime { get; set; } = "1d";

    /// <summary>A retired key stays published this long after it last signed; at least <see cref="MaxTokenLifetime"/>.</summary>
    public string Grace { get; set; } = "2d";

    /// <summary>The longest lifetime of a token signed by this ring (the sign API will refuse longer ones).</summary>
    public string MaxTokenLifetime { get; set; } = "1d";

    /// <summary>A rotation due within this long is shown (and alerted) as due soon.</summary>
    public string WarnBefore { get; set; } = "3d";

    /// <summary>Revoking a key of this ring waits for a second person's approval.</summary>
    public bool RequireApproval { get; set; }
}

/// <summary>A key ring's settings, parsed: what the timeline, the scheduler and the pages use.</summary>
public sealed record KeyRing(
    string Name,
    SigningAlgorithm Algorithm,
    int RsaKeySize,
    TimeSpan RotationPeriod,
    TimeSpan LeadTime,
    TimeSpan Grace,
    TimeSpan MaxTokenLifetime,
    TimeSpan WarnBefore,
    bool RequireApproval);

/// <summary>Turns the <c>Keys</c> section into <see cref="KeyRing"/>s, naming the key of every bad value.</summary>
public static class KeyRings
{
    public const int MaxNameLength = 40;

    public static readonly IReadOnlyList<int> RsaKeySizes = [2048, 3072, 4096];

    public static (IReadOnlyList<KeyRing> Rings, TimeSpan JwksMaxAge, IReadOnlyList<string> Errors) Parse(KeysOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var rings = new List<KeyRing>();
        const string S = KeysOptions.Section;
        var maxAgeValid = PromDuration.TryParse(options.JwksMaxAge, out var maxAge, out var maxAgeError);
        if (!maxAgeValid)
        {
            errors.Add($"{S}:JwksMaxAge \"{options.JwksMaxAge}\" is not a duration such as 5m ({maxAgeError}).");
        }

        foreach (var (name, o) in options.Rings.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var key = $"{S}:Rings:{name}";
            var before = errors.Count;
            if (!IsValidName(name))
            {
                errors.Add($"{key}: the name must be 1 to {MaxNameLength} lower-case letters, digits, '-' or '_', starting with a letter or digit (it is in URLs and the operations' target).");
            }

            var algorithm = SigningAlgorithm.Find(o.Algorithm);
            if (algorithm is null)
            {
                errors.Add($"{key}:Algorithm \"{o.Algorithm}\" is not supported; use one of {string.Join(", ", SigningAlgorithm.All.Select(a => a.Name))}.");
            }
            else if (algorithm.IsRsa && !RsaKeySizes.Contains(o.RsaKeySize))
            {
                errors.Add($"{key}:RsaKeySize {o.RsaKeySize} is not supported; use one of {string.Join(", ", RsaKeySizes)}.");
            }

            var period = Positive(o.RotationPeriod, $"{key}:RotationPeriod", "30d", errors);
            var lead = Positive(o.LeadTime, $"{key}:LeadTime", "1d", errors);
            var grace = Positive(o.Grace, $"{key}:Grace", "2d", errors);
            var lifetime = Positive(o.MaxTokenLifetime, $"{key}:MaxTokenLifetime", "1d", errors);
            var warn = Positive(o.WarnBefore, $"{key}:WarnBefore", "3d", errors);
            if (period is { } p && lead is { } l && l >= p)
            {
                errors.Add($"{key}:LeadTime ({o.LeadTime}) must be shorter than RotationPeriod ({o.RotationPeriod}): a key is published LeadTime before it signs, within the previous key's period.");
            }

            if (grace is { } g && lifetime is { } t && g < t)
            {
                errors.Add($"{key}:Grace ({o.Grace}) must be at least MaxTokenLifetime ({o.MaxTokenLifetime}): a token signed just before its key retired stays valid that long, and needs the key published until it expires.");
            }

            if (warn is { } w && period is { } p2 && w >= p2)
            {
                errors.Add($"{key}:WarnBefore ({o.WarnBefore}) must be shorter than RotationPeriod ({o.RotationPeriod}), or a rotation would always be due soon.");
            }

            if (maxAgeValid && lead is { } l2 && maxAge >= l2)
            {
                errors.Add($"{S}:JwksMaxAge ({options.JwksMaxAge}) must be shorter than {key}:LeadTime ({o.LeadTime}): a JWKS cached just before a new key was published must expire before that key signs.");
            }

            if (errors.Count == before)
            {
                rings.Add(new KeyRing(name, algorithm!, o.RsaKeySize, period!.Value, lead!.Value, grace!.Value, lifetime!.Value, warn!.Value, o.RequireApproval));
            }
        }

        return (rings, maxAge, errors);
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameLength
        && char.IsAsciiLetterLower(name[0]) | char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

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

/// <summary>Fails the start naming every bad value under <c>Keys</c>.</summary>
public sealed class KeysOptionsValidator : IValidateOptions<KeysOptions>
{
    public ValidateOptionsResult Validate(string? name, KeysOptions options)
    {
        var (_, _, errors) = KeyRings.Parse(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
