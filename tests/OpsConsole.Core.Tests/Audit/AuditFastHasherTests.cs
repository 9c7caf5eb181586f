using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Tests.Audit;

/// <summary>The verifier's allocation-light path must produce exactly the reference canonical bytes and hashes.</summary>
public sealed class AuditFastHasherTests
{
    private static readonly string[] Texts =
    [
        "", "plain", "quote \" and backslash \\", "tab\tnew\nline\rcr", "bell\u0007 nul-free \u001f unit sep", "\b\f",
        "é ü ß ñ", "emoji 😀 and 𝄞", "日本語のテキスト", "\u007f del", "slash / ok", "mixed \"é\"\n😀\\",
        "   spaces   ", "{\"not\":\"json\"}", "\u2028 line sep \u2029",
    ];

    [Fact]
    public void The_golden_sample_hashes_the_same_by_both_paths()
    {
        var record = AuditGoldenSample.Record(sequence: 7, previousHash: new byte[32]);

        var hasher = new AuditFastHasher();
        var canonical = hasher.FastCanonicalBytes(AuditCopyFormat.Encode(record));

        Assert.NotNull(canonical);
        Assert.Equal(AuditCanonical.CanonicalText(7, new byte[32], record), Encoding.UTF8.GetString(canonical));
        Assert.Equal("eb144f226141876d1a24c2df1512da515540f3fb75f1a67e51d952fff074f31c", Convert.ToHexStringLower(SHA256.HashData(canonical)));
    }

    [Fact]
    public void Fast_path_equals_reference_path_on_varied_records()
    {
        var random = new Random(20261123);
        var hasher = new AuditFastHasher();
        Span<byte> fast = stackalloc byte[32];
        var fastPathRows = 0;
        for (var i = 0; i < 5000; i++)
        {
            var record = RandomRecord(random, i + 1);
            var tuple = AuditCopyFormat.Encode(record);
            var reference = AuditCanonical.Hash(record.Sequence, record.PreviousHash, record);

            Assert.True(hasher.TryComputeHash(tuple, fast), $"row {i} unreadable");
            Assert.True(reference.AsSpan().SequenceEqual(fast), $"row {i} differs: {AuditCanonical.CanonicalText(record.Sequence, record.PreviousHash, record)}");
            if (hasher.FastCanonicalBytes(tuple) is { } bytes)
            {
                fastPathRows++;
                Assert.Equal(AuditCanonical.CanonicalText(record.Sequence, record.PreviousHash, record), Encoding.UTF8.GetString(bytes));
            }
        }

        // Both paths are exercised: this generator puts non-ASCII keys or roles (reference path) in about 40% of rows.
        Assert.True(fastPathRows > 2500, $"only {fastPathRows} rows took the fast path");
        Assert.True(hasher.ReferencePathRows > 0, "the reference fallback was never exercised");
    }

    [Fact]
    public void A_record_whose_details_are_not_string_values_is_unreadable_not_a_crash()
    {
        var record = RandomRecord(new Random(1), 1);
        record.Details = """{"a": 1}""";
        Assert.False(new AuditFastHasher().TryComputeHash(AuditCopyFormat.Encode(record), stackalloc byte[32]));
    }

    [Fact]
    public void The_tuple_decoder_reads_back_what_was_encoded()
    {
        var record = RandomRecord(new Random(5), 42);
        var decoded = AuditCopyFormat.Decode(AuditCopyFormat.Encode(record));

        Assert.Equal(record.Sequence, decoded.Sequence);
        Assert.Equal(AuditCanonical.ToStoredPrecision(record.OccurredAt), decoded.OccurredAt);
        Assert.Equal(record.ActorRoles, decoded.ActorRoles);
        Assert.Equal(record.Details, decoded.Details);
        Assert.Equal(record.UserAgent, decoded.UserAgent);
    }

    private static AuditRecord RandomRecord(Random random, long sequence)
    {
        string? Maybe(string? value) => random.Next(4) == 0 ? null : value;
        string Text() => Texts[random.Next(Texts.Length)] + (random.Next(3) == 0 ? random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
        var roles = Enumerable.Range(0, random.Next(0, 5)).Select(_ => random.Next(10) switch
        {
            0 => "Rôle",
            1 when random.Next(5) == 0 => null!,
            _ => new[] { "Admin", "Sre", "OnCall", "Auditor", "Viewer", "a", "B", "admin" }[random.Next(8)],
        }).ToArray();
        var details = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var k = random.Next(0, 8); k > 0; k--)
        {
            var key = random.Next(12) switch
            {
                0 => "clé",
                1 => "Key",
                2 => "key with \"quote\"",
                3 => "\u0001ctl",
                4 => "zeta",
                _ => "k" + random.Next(20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            details[key] = random.Next(5) == 0 ? null : Text();
        }

        // Serializer output escapes non-ASCII as \uXXXX; a third of the rows use raw UTF-8 as PostgreSQL's jsonb prints it.
        var json = random.Next(3) == 0
            ? "{" + string.Join(", ", details.Select(d => $"{Quote(d.Key)}: {(d.Value is null ? "null" : Quote(d.Value))}")) + "}"
            : JsonSerializer.Serialize(details);
        var previous = new byte[random.Next(10) == 0 ? 0 : 32];
        random.NextBytes(previous);
        return new AuditRecord
        {
            Sequence = sequence,
            PreviousHash = previous,
            OccurredAt = new DateTimeOffset(random.Next(1, 9999), random.Next(1, 13), random.Next(1, 29), random.Next(24), random.Next(60), random.Next(60), TimeSpan.Zero)
                .AddTicks(random.Next(10_000_000)),
            ActorType = Text(),
            ActorId = Maybe(Text()),
            ActorName = Text(),
            ActorRoles = roles,
            Action = Text(),
            TargetType = Text(),
            TargetId = Maybe(Text()),
            Outcome = Text(),
            Reason = Maybe(Text()),
            ClientIp = Maybe(Text()),
            UserAgent = Maybe(Text()),
            CorrelationId = Maybe(Text()),
            Details = json,
        };
    }

    /// <summary>JSON string the way PostgreSQL's jsonb output writes it: raw UTF-8, short escapes, \u00XX for other controls.</summary>
    private static string Quote(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
