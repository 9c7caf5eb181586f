using System.Security.Cryptography;
using System.Text;
using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Tests.Audit;

public sealed class AuditCheckpointSigningTests
{
    private static AuditCheckpoint Sample(string keyId) => new()
    {
        Number = 3,
        CreatedAt = new DateTimeOffset(2026, 11, 23, 2, 0, 0, TimeSpan.Zero),
        LastSequence = 1000,
        LastHash = Enumerable.Repeat((byte)0xab, 32).ToArray(),
        PreviousCheckpointHash = new byte[32],
        KeyId = keyId,
    };

    [Fact]
    public void The_payload_format_is_fixed()
    {
        Assert.Equal(
            "opsconsole-audit-checkpoint-v1|3|2026-11-23T02:00:00.000000Z|1000|" +
            string.Concat(Enumerable.Repeat("ab", 32)) + "|" + new string('0', 64) + "|k1",
            Encoding.UTF8.GetString(AuditCheckpointSigning.Payload(Sample("k1"))));
    }

    [Fact]
    public void A_signed_checkpoint_verifies_with_its_public_key_and_fails_when_anything_changes()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var checkpoint = Sample(AuditCheckpointSigning.KeyIdOf(publicKey));
        AuditCheckpointSigning.Sign(checkpoint, key);

        Assert.True(AuditCheckpointSigning.Verify(checkpoint, publicKey));

        checkpoint.LastSequence = 999; // "the newest record never existed"
        Assert.False(AuditCheckpointSigning.Verify(checkpoint, publicKey));
        checkpoint.LastSequence = 1000;

        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.False(AuditCheckpointSigning.Verify(checkpoint, other.ExportSubjectPublicKeyInfo()));

        checkpoint.Signature[^1] ^= 1;
        Assert.False(AuditCheckpointSigning.Verify(checkpoint, publicKey));
    }
}
