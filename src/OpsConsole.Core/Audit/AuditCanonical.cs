using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OpsConsole.Core.Audit;

/// <summary>
/// The canonical form of a record and its chained hash: SHA-256 over a JSON array of the fields in a fixed order,
/// beginning with the sequence and the previous record's hash. Details are an object with keys sorted ordinally,
/// roles are sorted. Golden vectors in the tests pin this format: changing it breaks verification of old logs.
/// </summary>
public static class AuditCanonical
{
    public const int HashLength = 32;

    public static byte[] Hash(long sequence, ReadOnlySpan<byte> previousHash, AuditFields record)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        Write(buffer, sequence, previousHash, record);
        return SHA256.HashData(buffer.WrittenSpan);
    }

    public static string CanonicalText(long sequence, ReadOnlySpan<byte> previousHash, AuditFields record)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        Write(buffer, sequence, previousHash, record);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Truncates to whole microseconds in UTC, as PostgreSQL's timestamptz keeps it.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
    }

    public static IReadOnlyDictionary<string, string?> ParseDetails(string json)
    {
        var parsed = JsonSerializer.Deserialize<Dictionary<string, string?>>(string.IsNullOrWhiteSpace(json) ? "{}" : json);
        return parsed ?? [];
    }

    public static string SerializeDetails(IReadOnlyDictionary<string, string?>? details) =>
        details is null || details.Count == 0 ? "{}" : JsonSerializer.Serialize(details);

    private static void Write(ArrayBufferWriter<byte> output, long sequence, ReadOnlySpan<byte> previousHash, AuditFields r)
    {
        Raw(output, "[");
        Raw(output, sequence.ToString(CultureInfo.InvariantCulture));
        Raw(output, ",");
        String(output, Convert.ToHexStringLower(previousHash));
        foreach (var value in new[]
                 {
                     ToStoredPrecision(r.OccurredAt).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                     r.ActorType, r.ActorId, r.ActorName,
                 })
        {
            Raw(output, ",");
            String(output, value);
        }

        Raw(output, ",[");
        var roles = r.ActorRoles.Order(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < roles.Length; i++)
        {
            if (i > 0)
            {
                Raw(output, ",");
            }

            String(output, roles[i]);
        }

        Raw(output, "]");
        foreach (var value in new[] { r.Action, r.TargetType, r.TargetId, r.Outcome, r.Reason, r.ClientIp, r.UserAgent, r.CorrelationId })
        {
            Raw(output, ",");
            String(output, value);
        }

        Raw(output, ",{");
        var first = true;
        foreach (var (key, value) in ParseDetails(r.Details).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                Raw(output, ",");
            }

            first = false;
            String(output, key);
            Raw(output, ":");
            String(output, value);
        }

        Raw(output, "}]");
    }

    private static void Raw(ArrayBufferWriter<byte> output, string ascii) => Encoding.ASCII.GetBytes(ascii, output);

    // RFC 8785 string escaping by hand: System.Text.Json's escaping is an encoder policy that may change between
    // versions, and a hash format must not. Only quote, backslash and control characters are escaped.
    private static void String(ArrayBufferWriter<byte> output, string? value)
    {
        if (value is null)
        {
            Raw(output, "null");
            return;
        }

        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < ' ': builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }

        builder.Append('"');
        Encoding.UTF8.GetBytes(builder.ToString(), output);
    }
}
