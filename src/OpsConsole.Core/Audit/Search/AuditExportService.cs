using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CsvHelper;

namespace OpsConsole.Core.Audit.Search;

/// <summary>
/// What an export holds and how to check it: the SHA-256 of the file's exact bytes, the record count and the sequence
/// range, the filter and who made it. The same hash and count are in the <c>audit.exported</c> record of the
/// tamper-evident log, so a file and its manifest can be checked against the log even if both were swapped on disk.
/// </summary>
public sealed record AuditExportManifest(
    string Id,
    string Format,
    string FileName,
    string MediaType,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string Scope,
    IReadOnlyDictionary<string, string?> Filter,
    long Count,
    long? FirstSequence,
    long? LastSequence,
    long Bytes,
    string Sha256);

public static class AuditExportFormats
{
    public const string Csv = "csv";
    public const string JsonLines = "jsonl";

    public static string Normalize(string? format) => format?.Trim().ToLowerInvariant() switch
    {
        Csv => Csv,
        JsonLines or "ndjson" => JsonLines,
        _ => throw new AuditQueryException("format", "'format' must be 'csv' or 'jsonl'."),
    };

    public static string MediaType(string format) => format == Csv ? "text/csv" : "application/x-ndjson";
}

/// <summary>
/// Audit exports: files under <c>{data}/exports/audit/</c>, written by streaming keyset batches from the database
/// through a SHA-256 as they are written (never the whole result in memory), each with a manifest beside it.
/// Exports are recorded (<c>audit.exported</c>, with the hash and count), and so are downloads
/// (<c>audit.export_downloaded</c>). An export keeps the scope of its maker: an Sre's export can be fetched by every
/// reader, an Admin's or Auditor's only by readers who see everything.
/// </summary>
public sealed partial class AuditExportService(
    AuditSearchService search,
    IAuditTrail audit,
    AuditExportStore store,
    TimeProvider time)
{
    public const int BatchSize = 2000;

    public async Task<AuditExportManifest> CreateAsync(ClaimsPrincipal caller, AuditQuery query, string? format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var scope = await search.DemandAsync(caller);
        var normalizedFormat = AuditExportFormats.Normalize(format);
        var normalized = query.Normalize();
        var now = time.GetUtcNow();
        var id = $"audit-{now:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var fileName = $"{id}.{normalizedFormat}";
        var path = store.PathOf(fileName);
        var partial = path + ".partial";

        long count = 0, bytes;
        long? first = null, last = null;
        string sha256;
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            await using (var hashing = new HashingStream(file))
            {
                var writer = normalizedFormat == AuditExportFormats.Csv ? (IExportWriter)new CsvExportWriter(hashing) : new JsonLinesExportWriter(hashing);
                try
                {
                    await writer.BeginAsync();
                    await foreach (var record in search.ReadAllAsync(normalized, scope, BatchSize, cancellationToken))
                    {
                        await writer.WriteAsync(record);
                        first ??= record.Sequence;
                        last = record.Sequence;
                        count++;
                    }
                }
                finally
                {
                    await writer.DisposeAsync(); // flushes everything through the hash
                }

                await hashing.FlushAsync(cancellationToken);
                bytes = hashing.Length;
                sha256 = Convert.ToHexStringLower(hashing.GetHash());
            }

            File.Move(partial, path);
            var (_, _, name, _, _) = AuditActors.Describe(caller);
            var manifest = new AuditExportManifest(id, normalizedFormat, fileName, AuditExportFormats.MediaType(normalizedFormat), now, name,
                scope == AuditScope.All ? "all" : "operational", normalized.Describe(), count, first, last, bytes, sha256);

            var details = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["export"] = id,
                ["format"] = normalizedFormat,
                ["sha256"] = sha256,
                ["count"] = count.ToString(CultureInfo.InvariantCulture),
                ["firstSequence"] = first?.ToString(CultureInfo.InvariantCulture),
                ["lastSequence"] = last?.ToString(CultureInfo.InvariantCulture),
                ["filter"] = normalized.Fingerprint(),
            };
            // No audit, no export: the file is removed when its record cannot be written.
            await audit.RecordAsync(new AuditEntry(caller, "audit.exported", "audit_export", id, AuditOutcome.Succeeded, details), cancellationToken);
            await store.WriteManifestAsync(manifest, cancellationToken);
            return manifest;
        }
        catch
        {
            store.Delete(fileName);
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>The manifest of an export the caller may read, or null (unknown id, or wider than the caller's scope).</summary>
    public async Task<AuditExportManifest?> GetManifestAsync(ClaimsPrincipal caller, string id, CancellationToken cancellationToken = default)
    {
        var scope = await search.DemandAsync(caller);
        var manifest = await store.ReadManifestAsync(id, cancellationToken);
        return manifest is not null && AuditVisibility.Covers(scope, manifest.Scope == "all" ? AuditScope.All : AuditScope.Operational) ? manifest : null;
    }

    /// <summary>Opens an export for download (recorded as <c>audit.export_downloaded</c>), or null as for the manifest.</summary>
    public async Task<(AuditExportManifest Manifest, Stream Content)?> OpenAsync(ClaimsPrincipal caller, string id, CancellationToken cancellationToken = default)
    {
        var manifest = await GetManifestAsync(caller, id, cancellationToken);
        if (manifest is null || !File.Exists(store.PathOf(manifest.FileName)))
        {
            return null;
        }

        await audit.RecordAsync(new AuditEntry(caller, "audit.export_downloaded", "audit_export", manifest.Id, AuditOutcome.Succeeded,
            new Dictionary<string, string?> { ["sha256"] = manifest.Sha256 }), cancellationToken);
        return (manifest, new FileStream(store.PathOf(manifest.FileName), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
    }

    private interface IExportWriter : IAsyncDisposable
    {
        Task BeginAsync();

        Task WriteAsync(AuditRecordView record);
    }

    private sealed class CsvExportWriter(Stream output) : IExportWriter
    {
        private readonly CsvWriter _csv = new(new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true), CultureInfo.InvariantCulture);

        public static IReadOnlyList<string> Header { get; } =
        [
            "sequence", "occurred_at", "actor_type", "actor_id", "actor_name", "actor_roles", "action", "target_type", "target_id",
            "outcome", "reason", "client_ip", "user_agent", "correlation_id", "details", "previous_hash", "hash",
        ];

        public async Task BeginAsync()
        {
            foreach (var column in Header)
            {
                _csv.WriteField(column);
            }

            await _csv.NextRecordAsync();
        }

        public async Task WriteAsync(AuditRecordView r)
        {
            _csv.WriteField(r.Sequence.ToString(CultureInfo.InvariantCulture));
            _csv.WriteField(FormatTime(r.OccurredAt));
            _csv.WriteField(r.ActorType);
            _csv.WriteField(r.ActorId ?? "");
            _csv.WriteField(r.ActorName);
            _csv.WriteField(string.Join(' ', r.ActorRoles));
            _csv.WriteField(r.Action);
            _csv.WriteField(r.TargetType);
            _csv.WriteField(r.TargetId ?? "");
            _csv.WriteField(r.Outcome);
            _csv.WriteField(r.Reason ?? "");
            _csv.WriteField(r.ClientIp ?? "");
            _csv.WriteField(r.UserAgent ?? "");
            _csv.WriteField(r.CorrelationId ?? "");
            _csv.WriteField(AuditCanonical.SerializeDetails(r.Details));
            _csv.WriteField(r.PreviousHash);
            _csv.WriteField(r.Hash);
            await _csv.NextRecordAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _csv.FlushAsync();
            await _csv.DisposeAsync();
        }
    }

    private sealed class JsonLinesExportWriter(Stream output) : IExportWriter
    {
        private static readonly byte[] NewLine = "\n"u8.ToArray();
        private readonly Utf8JsonWriter _json = new(output, new JsonWriterOptions { SkipValidation = true });

        public Task BeginAsync() => Task.CompletedTask;

        public async Task WriteAsync(AuditRecordView r)
        {
            _json.Reset();
            _json.WriteStartObject();
            _json.WriteNumber("sequence", r.Sequence);
            _json.WriteString("occurredAt", FormatTime(r.OccurredAt));
            _json.WriteString("actorType", r.ActorType);
            _json.WriteString("actorId", r.ActorId);
            _json.WriteString("actorName", r.ActorName);
            _json.WriteStartArray("actorRoles");
            foreach (var role in r.ActorRoles)
            {
                _json.WriteStringValue(role);
            }

            _json.WriteEndArray();
            _json.WriteString("action", r.Action);
            _json.WriteString("targetType", r.TargetType);
            _json.WriteString("targetId", r.TargetId);
            _json.WriteString("outcome", r.Outcome);
            _json.WriteString("reason", r.Reason);
            _json.WriteString("clientIp", r.ClientIp);
            _json.WriteString("userAgent", r.UserAgent);
            _json.WriteString("correlationId", r.CorrelationId);
            _json.WriteStartObject("details");
            foreach (var (key, value) in r.Details.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                _json.WriteString(key, value);
            }

            _json.WriteEndObject();
            _json.WriteString("previousHash", r.PreviousHash);
            _json.WriteString("hash", r.Hash);
            _json.WriteEndObject();
            await _json.FlushAsync();
            await output.WriteAsync(NewLine);
        }

        public async ValueTask DisposeAsync()
        {
            await _json.FlushAsync();
            await _json.DisposeAsync();
        }
    }

    /// <summary>The canonical time text of the hash format (microseconds, UTC).</summary>
    internal static string FormatTime(DateTimeOffset value) =>
        AuditCanonical.ToStoredPrecision(value).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Passes writes through to the file and into a SHA-256, so the hash is of exactly the bytes written.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public byte[] GetHash() => _hash.GetHashAndReset();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _length += buffer.Length;
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _hash.AppendData(buffer.Span);
            _length += buffer.Length;
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>Where exports live: <c>{data}/exports/audit/</c>. Ids are checked against their fixed pattern (no path tricks).</summary>
public sealed partial class AuditExportStore
{
    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public AuditExportStore(string dataDirectory)
    {
        Directory = Path.Combine(dataDirectory, "exports", "audit");
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string PathOf(string fileName) => Path.Combine(Directory, fileName);

    public static bool IsValidId(string? id) => id is not null && ExportId().IsMatch(id);

    public async Task WriteManifestAsync(AuditExportManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var path = PathOf(manifest.Id + ".manifest.json");
        await File.WriteAllTextAsync(path + ".partial", JsonSerializer.Serialize(manifest, ManifestJson) + "\n", cancellationToken);
        File.Move(path + ".partial", path, overwrite: true);
    }

    public async Task<AuditExportManifest?> ReadManifestAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsValidId(id))
        {
            return null;
        }

        var path = PathOf(id + ".manifest.json");
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<AuditExportManifest>(stream, ManifestJson, cancellationToken);
    }

    public void Delete(string fileName) => File.Delete(PathOf(fileName));

    [GeneratedRegex("^audit-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$")]
    private static partial Regex ExportId();
}
