namespace OpsConsole.Core.Data;

/// <summary>
/// Text PostgreSQL cannot store: U+0000 (text, varchar and jsonb all refuse it) and unpaired UTF-16 surrogates
/// (they have no UTF-8 form, so Npgsql cannot send them). Input carrying either is refused at the edge with a
/// message naming the field; the audit trail, which must never refuse a record, replaces them instead.
/// </summary>
public static class PostgresText
{
    public const char Replacement = '\uFFFD';

    /// <summary>Why <paramref name="value"/> cannot be stored, or null when it can.</summary>
    public static string? Problem(ReadOnlySpan<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return "contains a NUL character (U+0000), which cannot be stored";
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"contains an unpaired surrogate (U+{(int)c:X4}), which is not valid Unicode text";
            }
        }

        return null;
    }

    /// <summary><paramref name="value"/> with every character <see cref="Problem"/> objects to replaced by U+FFFD.</summary>
    public static string? Storable(string? value)
    {
        if (value is null || Problem(value) is null)
        {
            return value;
        }

        var chars = value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (chars[i] == '\0' || char.IsSurrogate(chars[i]))
            {
                chars[i] = Replacement;
            }
        }

        return new string(chars);
    }
}
