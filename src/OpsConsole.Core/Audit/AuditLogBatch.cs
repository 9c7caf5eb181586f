using System.Buffers.Binary;
using System.Text;

namespace OpsConsole.Core.Audit;

/// <summary>
/// One batch of the chain writer, built as a binary COPY stream for <c>audit_log</c> (<see cref="AuditCopyFormat"/>) in
/// a reused buffer. Each record is encoded once, straight into its tuple, and hashed from those very bytes by
/// <see cref="AuditFastHasher"/> (which falls back to <see cref="AuditCanonical"/> for the rows it is not sure about, so
/// the hash is the reference one): no <see cref="AuditRecord"/>, no re-parse of the details through a dictionary, no
/// per-value work in Npgsql. Inbox rows arrive as COPY tuples too and their fields are copied byte for byte. Not
/// thread-safe: the writer uses one under its batch gate.
/// </summary>
internal sealed class AuditLogBatch
{
    private const int FieldsAfterChain = AuditCopyFormat.FieldCount - 3;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly AuditFastHasher _hasher = new();

    /// <summary>"PGCOPY\n\377\r\n\0".</summary>
    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0];
    private readonly byte[] _lastHash = new byte[AuditCanonical.HashLength];
    private const int InitialBuffer = 256 * 1024;
    private const int MaxKeptBuffer = 16 * 1024 * 1024;
    private byte[] _buffer = new byte[InitialBuffer];
    private int _length;

    /// <summary>Records added since <see cref="Start"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Sequence of the last record added (the chain head once this batch commits).</summary>
    public long LastSequence { get; private set; }

    /// <summary>Hash of the last record added.</summary>
    public ReadOnlySpan<byte> LastHash => _lastHash;

    /// <summary>Starts a batch that continues the chain after <paramref name="lastSequence"/> / <paramref name="lastHash"/>.</summary>
    public void Start(long lastSequence, ReadOnlySpan<byte> lastHash)
    {
        if (lastHash.Length != AuditCanonical.HashLength)
        {
            throw new InvalidOperationException($"The audit chain head's hash has {lastHash.Length} bytes, not {AuditCanonical.HashLength}.");
        }

        LastSequence = lastSequence;
        lastHash.CopyTo(_lastHash);
        Count = 0;
        _length = 0;
        if (_buffer.Length > MaxKeptBuffer)
        {
            _buffer = new byte[InitialBuffer]; // a burst of huge records does not pin its buffer for ever
        }

        Raw(Signature);
        Int32(0); // flags
        Int32(0); // header extension length
    }

    /// <summary>Appends a record made in this process (group commit).</summary>
    public void Add(AuditFields item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var start = BeginTuple();
        Int32(8);
        Int64((AuditCanonical.ToStoredPrecision(item.OccurredAt).UtcTicks - AuditCopyFormat.PostgresEpochTicks) / 10);
        Text(item.ActorType);
        Text(item.ActorId);
        Text(item.ActorName);
        Roles(item.ActorRoles);
        Text(item.Action);
        Text(item.TargetType);
        Text(item.TargetId);
        Text(item.Outcome);
        Text(item.Reason);
        Text(item.ClientIp);
        Text(item.UserAgent);
        Text(item.CorrelationId);
        var lengthAt = Reserve(4);
        Byte(1); // jsonb version
        Utf8Chars(string.IsNullOrWhiteSpace(item.Details) ? "{}" : item.Details); // the canonical form reads both as {}
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(lengthAt), _length - lengthAt - 4);
        EndTuple(start);
    }

    /// <summary>
    /// Appends an inbox row: <paramref name="fields"/> are its <see cref="AuditChainWriter.FieldColumns"/> exactly as a
    /// binary COPY sends them (each an int32 length and its bytes), which are also the log's.
    /// </summary>
    public void AddFields(ReadOnlySpan<byte> fields)
    {
        var start = BeginTuple();
        Raw(fields);
        EndTuple(start);
    }

    /// <summary>The COPY stream: header, the tuples, trailer.</summary>
    public ReadOnlyMemory<byte> Complete()
    {
        Int16(-1);
        return _buffer.AsMemory(0, _length);
    }

    private int BeginTuple()
    {
        var start = _length;
        Int16(AuditCopyFormat.FieldCount);
        Int32(8);
        Int64(LastSequence + 1);
        Int32(AuditCanonical.HashLength);
        Raw(_lastHash);
        Int32(AuditCanonical.HashLength);
        Reserve(AuditCanonical.HashLength); // the hash, filled in by EndTuple
        return start;
    }

    private void EndTuple(int start)
    {
        var tuple = _buffer.AsSpan(start, _length - start);
        if (AuditCopyFormat.TupleLength(tuple, out _) != tuple.Length)
        {
            throw new InvalidOperationException($"An audit record is not a complete log tuple ({FieldsAfterChain} fields after the chain columns expected).");
        }

        Span<byte> hash = stackalloc byte[AuditCanonical.HashLength];
        if (!_hasher.TryComputeHash(tuple, hash))
        {
            throw new InvalidOperationException("An audit record cannot be hashed (its details are not a JSON object of string values).");
        }

        // The hash column is the third field: int16 count, int32 + int64 sequence, int32 + 32 previous, int32.
        hash.CopyTo(tuple[(2 + 12 + 4 + AuditCanonical.HashLength + 4)..]);
        hash.CopyTo(_lastHash);
        LastSequence++;
        Count++;
    }

    private void Text(string? value)
    {
        if (value is null)
        {
            Int32(-1);
            return;
        }

        var lengthAt = Reserve(4);
        Utf8Chars(value);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(lengthAt), _length - lengthAt - 4);
    }

    /// <summary>text[] in the array send format: dimensions, has-null flag, element type (text), size and lower bound, elements.</summary>
    private void Roles(string[]? roles)
    {
        roles ??= [];
        var lengthAt = Reserve(4);
        var start = _length;
        Int32(roles.Length == 0 ? 0 : 1);
        Int32(Array.IndexOf(roles, null) >= 0 ? 1 : 0);
        Int32(25);
        if (roles.Length > 0)
        {
            Int32(roles.Length);
            Int32(1);
            foreach (var role in roles)
            {
                Text(role);
            }
        }

        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(lengthAt), _length - start);
    }

    private void Utf8Chars(string value)
    {
        Ensure(Utf8.GetMaxByteCount(value.Length));
        _length += Utf8.GetBytes(value, _buffer.AsSpan(_length));
    }

    private int Reserve(int bytes)
    {
        Ensure(bytes);
        var at = _length;
        _buffer.AsSpan(at, bytes).Clear();
        _length += bytes;
        return at;
    }

    private void Byte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    private void Int16(short value)
    {
        Ensure(2);
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_length), value);
        _length += 2;
    }

    private void Int32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    private void Int64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }
}
