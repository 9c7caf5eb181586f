using System.Security.Cryptography;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Backups.Engine;

/// <summary>Verification with the real pg_restore --list: a changed, unreadable or incomplete file is refused, each for its reason.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupVerifierTests(PostgresFixture postgres) : IDisposable
{
    private readonly DirectoryInfo backups = EngineTestData.NewBackupDirectory();

    public void Dispose() => backups.Delete(recursive: true);

    private async Task<DumpResult> DumpShopAsync(string stem)
    {
        using var ctx = new RecordingOperationContext();
        return await PgDump.RunAsync(await EngineTestData.CreateShopAsync(postgres), backups.FullName, stem, ctx);
    }

    [Fact]
    public async Task A_tampered_file_fails_on_its_checksum()
    {
        var dump = await DumpShopAsync("tampered");
        await using (var file = new FileStream(dump.FullPath, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = file.Length / 2;
            var original = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(original ^ 0x01));
        }

        using var ctx = new RecordingOperationContext();
        var failure = await Assert.ThrowsAsync<BackupFailedException>(() => BackupVerifier.VerifyAsync(dump.FullPath, dump.Sha256Hex, dump.Manifest, ctx));

        Assert.Equal(BackupFailure.ChecksumMismatch, failure.Reason);
        var actual = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(dump.FullPath)));
        Assert.Equal($"checksum mismatch: tampered.dump has SHA-256 {actual}, {dump.Sha256Hex} was recorded when it was written; the file changed or is damaged", failure.Message);
        Assert.Contains(ctx.Lines, l => l.Level == OperationLogLevel.Error && l.Line == failure.Message);
    }

    [Fact]
    public async Task A_file_pg_restore_cannot_read_is_not_an_archive_even_with_its_own_checksum()
    {
        var path = Path.Combine(backups.FullName, "garbage.dump");
        await File.WriteAllTextAsync(path, "this is not a pg_dump archive\n");
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
        using var ctx = new RecordingOperationContext();

        var failure = await Assert.ThrowsAsync<BackupFailedException>(() => BackupVerifier.VerifyAsync(path, sha256, new Dictionary<string, long>(), ctx));

        Assert.Equal(BackupFailure.ArchiveInvalid, failure.Reason);
        Assert.StartsWith("pg_restore cannot read garbage.dump (exit code 1): pg_restore: error: ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_table_without_data_in_the_archive_fails()
    {
        var dump = await DumpShopAsync("incomplete");
        var manifest = new Dictionary<string, long>(dump.Manifest) { ["public.refunds"] = 4 };
        using var ctx = new RecordingOperationContext();

        var failure = await Assert.ThrowsAsync<BackupFailedException>(() => BackupVerifier.VerifyAsync(dump.FullPath, dump.Sha256Hex, manifest, ctx));

        Assert.Equal(BackupFailure.ManifestMismatch, failure.Reason);
        Assert.Equal("the archive has no data for 1 table(s) of the manifest: public.refunds", failure.Message);
    }

    [Fact]
    public async Task A_missing_file_is_named()
    {
        var path = Path.Combine(backups.FullName, "gone.dump");
        using var ctx = new RecordingOperationContext();

        var failure = await Assert.ThrowsAsync<BackupFailedException>(() => BackupVerifier.VerifyAsync(path, "00", new Dictionary<string, long>(), ctx));

        Assert.Equal(BackupFailure.Storage, failure.Reason);
        Assert.Equal($"the backup file {path} is missing", failure.Message);
    }
}
