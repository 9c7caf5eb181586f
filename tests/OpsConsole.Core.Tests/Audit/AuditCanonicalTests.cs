using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Tests.Audit;

/// <summary>
/// Golden vectors: the canonical form and hash of a record must never change, or old logs stop verifying. The
/// hashes were computed independently (Python hashlib over the canonical text), not by the code under test.
/// </summary>
public sealed class AuditCanonicalTests
{
    private static AuditRecord Sample() => AuditGoldenSample.Record();

    [Fact]
    public void Canonical_text_is_fixed_order_utc_microseconds_sorted_roles_and_keys()
    {
        var text = AuditCanonical.CanonicalText(7, new byte[32], Sample());

        Assert.Equal(
            "[7,\"0000000000000000000000000000000000000000000000000000000000000000\",\"2026-11-23T00:02:03.123456Z\",\"user\",\"u-1\",\"alice\"," +
            "[\"Admin\",\"Sre\"],\"identity.user.role_added\",\"user\",\"u-2\",\"succeeded\",null,\"127.0.0.1\",\"Mozilla/5.0 \\\"quoted\\\"\\n\",\"c-1\"," +
            "{\"a\":\"first é\",\"n\":null,\"z\":\"last\"}]",
            text);
    }

    [Fact]
    public void Hash_is_the_golden_vector()
    {
        var first = AuditCanonical.Hash(7, new byte[32], Sample());
        var second = AuditCanonical.Hash(8, first, Sample());

        Assert.Equal("eb144f226141876d1a24c2df1512da515540f3fb75f1a67e51d952fff074f31c", Convert.ToHexStringLower(first));
        Assert.Equal("56315a364bf4cfbf2dba3fd67d4d0184e958f44b46ddf217c9b64b83bc79ee32", Convert.ToHexStringLower(second));
    }

    [Fact]
    public void Any_field_change_changes_the_hash_and_json_key_order_does_not()
    {
        var baseline = Convert.ToHexStringLower(AuditCanonical.Hash(1, new byte[32], Sample()));
        var reordered = Sample();
        reordered.Details = """{ "n": null, "a": "first é", "z": "last" }""";
        Assert.Equal(baseline, Convert.ToHexStringLower(AuditCanonical.Hash(1, new byte[32], reordered)));

        foreach (var change in new Action<AuditRecord>[]
                 {
                     r => r.ActorName = "mallory", r => r.Outcome = AuditOutcome.Denied, r => r.Reason = "",
                     r => r.OccurredAt = r.OccurredAt.AddTicks(10), r => r.Details = """{"a":"first é","z":"last"}""",
                     r => r.ActorRoles = ["Admin"],
                 })
        {
            var changed = Sample();
            change(changed);
            Assert.NotEqual(baseline, Convert.ToHexStringLower(AuditCanonical.Hash(1, new byte[32], changed)));
        }

        Assert.NotEqual(baseline, Convert.ToHexStringLower(AuditCanonical.Hash(2, new byte[32], Sample())));
        Assert.NotEqual(baseline, Convert.ToHexStringLower(AuditCanonical.Hash(1, Enumerable.Repeat((byte)1, 32).ToArray(), Sample())));
    }
}
