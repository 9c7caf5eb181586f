namespace OpsConsole.Core.Keys.Secrets;

/// <summary>
/// The inventory never takes a secret's value. Requests name their fields, so a body with a value-like field is refused
/// whole; and a note that holds something shaped like a key (a long run of key characters mixing letters and digits, or a
/// well-known key prefix) is refused too, since notes go into the audit log, which keeps them for years.
/// </summary>
public static class SecretValueGuard
{
    private static readonly string[] ValueWords = ["value", "secret", "key", "password", "passwd", "token", "credential"];

    private static readonly string[] KnownPrefixes = ["sk_live_", "sk_test_", "rk_live_", "whsec_", "ghp_", "github_pat_", "xoxb-", "xoxp-", "AKIA", "-----BEGIN"];

    /// <summary>A field of a request body that could carry a value (value, apiKey, secret, password, token…).</summary>
    public static bool IsValueField(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ValueWords.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether <paramref name="text"/> seems to contain a key: a known prefix, or a word of 24+ key characters with letters and digits (a GUID is not one).</summary>
    public static bool LooksLikeAValue(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        return text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Any(word =>
            KnownPrefixes.Any(p => word.StartsWith(p, StringComparison.Ordinal))
            || (word.Length >= 24
                && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '+' or '/' or '=')
                && word.Any(char.IsAsciiDigit) && word.Any(char.IsAsciiLetter)
                && !Guid.TryParse(word, out _)));
    }
}
