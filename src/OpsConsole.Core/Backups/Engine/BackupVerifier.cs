using System.Diagnostics;
using System.Security.Cryptography;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>A backup file that passed verification.</summary>
/// <param name="TableDataEntries">TABLE DATA entries in the archive's table of contents.</param>
public sealed record VerificationResult(string Sha256Hex, long SizeBytes, int TableDataEntries, TimeSpan Duration);

/// <summary>
/// Checks a backup file right after it is written, and whenever someone asks: its SHA-256 is still the recorded one,
/// pg_restore can read its table of contents, and every table of the manifest has its data in it.
/// </summary>
public static class BackupVerifier
{
    private static readonly TimeSpan ListTimeout = TimeSpan.FromMinutes(10);

    /// <exception cref="BackupFailedException">
    /// <see cref="BackupFailure.ChecksumMismatch"/>, <see cref="BackupFailure.ArchiveInvalid"/>,
    /// <see cref="BackupFailure.ManifestMismatch"/>, <see cref="BackupFailure.Storage"/> (file missing or unreadable) or
    /// <see cref="BackupFailure.ToolMissing"/>.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="ctx"/>'s cancellation fired.</exception>
    public static async Task<VerificationResult> VerifyAsync(
        string path, string expectedSha256, IReadOnlyDictionary<string, long> manifest, IOperationContext ctx, PgClientTools? tools = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(expectedSha256);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(ctx);
        var ct = ctx.Cancellation;
        var clock = Stopwatch.StartNew();
        if (!File.Exists(path))
        {
            throw Fail(ctx, new BackupFailedException(BackupFailure.Storage, $"the backup file {path} is missing"));
        }

        try
        {
            tools ??= PgClientTools.Locate();
        }
        catch (BackupFailedException notInstalled)
        {
            throw Fail(ctx, notInstalled);
        }

        ctx.Progress(0, "verifying checksum and archive");

        // The checksum and pg_restore --list read the file at the same time: together they take as long as the slower.
        var list = PgToolProcess.RunToEndAsync(tools.PgRestore, ["--list", path], ListTimeout, ct);
        var hash = Task.Run(() => HashAsync(path, ctx), ct);
        await Task.WhenAll(list, hash).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        ct.ThrowIfCancellationRequested();

        if (hash.IsFaulted)
        {
            var error = hash.Exception!.GetBaseException();
            throw Fail(ctx, new BackupFailedException(BackupFailure.Storage, $"reading {path} failed: {error.Message}", error));
        }

        var (size, actual) = await hash;
        if (!string.Equals(actual, expectedSha256.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw Fail(ctx, new BackupFailedException(BackupFailure.ChecksumMismatch,
                $"checksum mismatch: {Path.GetFileName(path)} has SHA-256 {actual}, {expectedSha256.Trim().ToLowerInvariant()} was recorded when it was written; the file changed or is damaged"));
        }

        ctx.Log($"checksum matches: sha256 {actual}");
        if (list.IsFaulted)
        {
            throw Fail(ctx, list.Exception!.GetBaseException() as BackupFailedException
                ?? new BackupFailedException(BackupFailure.ArchiveInvalid, $"pg_restore --list failed: {list.Exception.GetBaseException().Message}"));
        }

        var (exitCode, output, error2) = await list;
        if (exitCode != 0)
        {
            throw Fail(ctx, new BackupFailedException(BackupFailure.ArchiveInvalid,
                $"pg_restore cannot read {Path.GetFileName(path)} (exit code {exitCode}): {error2.Trim()}"));
        }

        var missing = Manifest.MissingTableData(output, manifest.Keys);
        if (missing.Count > 0)
        {
            throw Fail(ctx, new BackupFailedException(BackupFailure.ManifestMismatch,
                $"the archive has no data for {missing.Count} table(s) of the manifest: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}"));
        }

        var entries = Manifest.TableDataEntries(output).Count;
        clock.Stop();
        ctx.Progress(1, "verified");
        ctx.Log($"archive readable by pg_restore: {entries} TABLE DATA entries, all {manifest.Count} manifest tables present ({clock.Elapsed.TotalSeconds:0.0} s)");
        return new VerificationResult(actual, size, entries, clock.Elapsed);
    }

    /// <summary>SHA-256 of the file, read once, with progress by bytes.</summary>
    private static async Task<(long Size, string Sha256)> HashAsync(string path, IOperationContext ctx)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        var length = file.Length;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long read = 0;
        var reported = 0.0;
        int n;
        while ((n = await file.ReadAsync(buffer, ctx.Cancellation)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            read += n;
            var fraction = length == 0 ? 1 : (double)read / length;
            if (fraction - reported >= 0.05)
            {
                reported = fraction;
                ctx.Progress(Math.Min(fraction, 1) * 0.99, "verifying checksum");
            }
        }

        return (read, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static BackupFailedException Fail(IOperationContext ctx, BackupFailedException failure)
    {
        ctx.Log(failure.Message, OperationLogLevel.Error);
        return failure;
    }
}
