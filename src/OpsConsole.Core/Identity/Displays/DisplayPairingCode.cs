using System.Security.Cryptography;
using System.Text;

namespace OpsConsole.Core.Identity.Displays;

/// <summary>
/// One-time pairing codes: 10 symbols (about 49 bits) from an alphabet without look-alikes, so a code read off a
/// screen can be typed on a TV remote. Only the SHA-256 of the normalized code is stored.
/// </summary>
public static class DisplayPairingCode
{
    public const int Length = 10;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    // Crockford-style: no 0/O, 1/I/L or U.
    private const string Alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789";

    /// <summary>A new code, grouped for reading ("ABCDE-FGHJK").</summary>
    public static string Generate()
    {
        var raw = RandomNumberGenerator.GetString(Alphabet, Length);
        return $"{raw[..5]}-{raw[5..]}";
    }

    /// <summary>The canonical form (upper case, no separators) or null when it cannot be a code.</summary>
    public static string? Normalize(string? presented)
    {
        if (string.IsNullOrWhiteSpace(presented) || presented.Length > 32)
        {
            return null;
        }

        var builder = new StringBuilder(Length);
        foreach (var c in presented)
        {
            if (c is '-' or ' ')
            {
                continue;
            }

            var upper = char.ToUpperInvariant(c);
            if (!Alphabet.Contains(upper, StringComparison.Ordinal))
            {
                return null;
            }

            builder.Append(upper);
        }

        return builder.Length == Length ? builder.ToString() : null;
    }

    /// <summary>The stored form of a normalized code.</summary>
    public static byte[] Hash(string normalized) => SHA256.HashData(Encoding.ASCII.GetBytes(normalized));
}
