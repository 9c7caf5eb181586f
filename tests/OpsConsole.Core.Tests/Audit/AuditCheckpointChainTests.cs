using System.Security.Cryptography;
using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Tests.Audit;

public sealed class AuditCheckpointChainTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Nothing_new_means_no_checkpoint_and_the_previous_checkpoints_own_record_is_not_news()
    {
        var previous = new AuditCheckpoint { Number = 3, LastSequence = 100 };

        Assert.False(AuditCheckpointChain.HasNews(null, 0, false)); // empty log
        Assert.True(AuditCheckpointChain.HasNews(null, 1, false));
        Assert.False(AuditCheckpointChain.HasNews(previous, 100, false));
        Assert.False(AuditCheckpointChain.HasNews(previous, 101, headIsPreviousCheckpointRecord: true));
        Assert.True(AuditCheckpointChain.HasNews(previous, 101, headIsPreviousCheckpointRecord: false));
        Assert.True(AuditCheckpointChain.HasNews(previous, 102, headIsPreviousCheckpointRecord: true));
    }

    [Fact]
    public void Next_numbers_and_chains_to_the_previous_hash()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = new AuditCheckpointSigner("k1", key);
        var first = AuditCheckpointChain.Next(null, 10, Hash(10), Now, signer.KeyId);
        signer.Sign(first);
        var second = AuditCheckpointChain.Next(first, 20, Hash(20), Now.AddTicks(1234567), signer.KeyId);
        signer.Sign(second);

        Assert.Equal(1, first.Number);
        Assert.Equal(new byte[32], first.PreviousCheckpointHash);
        Assert.Equal(2, second.Number);
        Assert.Equal(first.Hash, second.PreviousCheckpointHash);
        Assert.Equal(0, second.CreatedAt.Ticks % 10); // stored precision, so the signed payload survives the database

        var (failure, trusted) = AuditCheckpointChain.Check([first, second], Keys(key, "k1"));
        Assert.Null(failure);
        Assert.Equal(2, trusted.Count);
    }

    [Fact]
    public void A_corrupted_signature_an_unknown_key_a_missing_number_and_a_broken_link_are_each_reported()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var chain = SignedChain(key, 4);
        var keys = Keys(key, "k1");

        chain[1].Signature[5] ^= 0xff;
        var (failure, trusted) = AuditCheckpointChain.Check(chain, keys);
        Assert.Equal((AuditIntegrityProblem.CheckpointSignatureInvalid, 2L), (failure!.Problem, failure.Checkpoint!.Value));
        Assert.Contains("checkpoint signature invalid", failure.Reason, StringComparison.Ordinal);
        Assert.Equal(3, trusted.Count);

        chain = SignedChain(key, 4);
        chain[2].KeyId = "nobody"; // payload changes too, but the unknown key is what is said
        Assert.Contains("not in the key table", AuditCheckpointChain.Check(chain, keys).Failure!.Reason, StringComparison.Ordinal);

        chain = SignedChain(key, 4);
        chain.RemoveAt(1);
        Assert.Equal((AuditIntegrityProblem.CheckpointChainBroken, 3L), (AuditCheckpointChain.Check(chain, keys).Failure!.Problem, AuditCheckpointChain.Check(chain, keys).Failure!.Checkpoint!.Value));

        // A validly signed checkpoint that does not link (signed by someone holding the key, but forked).
        chain = SignedChain(key, 4);
        var forked = AuditCheckpointChain.Next(null, chain[3].LastSequence, chain[3].LastHash, Now, "k1");
        forked.Number = 4;
        new AuditCheckpointSigner("k1", key).Sign(forked);
        chain[3] = forked;
        var broken = AuditCheckpointChain.Check(chain, keys).Failure!;
        Assert.Equal((AuditIntegrityProblem.CheckpointChainBroken, 4L), (broken.Problem, broken.Checkpoint!.Value));
    }

    private static List<AuditCheckpoint> SignedChain(ECDsa key, int count)
    {
        var signer = new AuditCheckpointSigner("k1", key);
        var chain = new List<AuditCheckpoint>();
        AuditCheckpoint? previous = null;
        for (var i = 1; i <= count; i++)
        {
            var next = AuditCheckpointChain.Next(previous, i * 10, Hash(i * 10), Now.AddHours(i), signer.KeyId);
            signer.Sign(next);
            chain.Add(next);
            previous = next;
        }

        return chain;
    }

    private static Dictionary<string, byte[]> Keys(ECDsa key, string id) => new(StringComparer.Ordinal) { [id] = key.ExportSubjectPublicKeyInfo() };

    private static byte[] Hash(long sequence) => SHA256.HashData(BitConverter.GetBytes(sequence));
}
