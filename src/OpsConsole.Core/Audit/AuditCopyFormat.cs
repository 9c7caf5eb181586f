using System.Buffers.Binary;
using System.Text;

namespace OpsConsole.Core.Audit;

/// <summary>
/// PostgreSQL's binary COPY tuple format for the audit log's columns (<see cref="Columns"/>), read without Npgsql's
/// per-value machinery: a tuple is an int16 field count, then per field an int32 length (-1 = NULL) and its bytes
/// (int8 big-endian, bytea raw, timestamptz as int64 microseconds since 2000-01-01 UTC, text as UTF-8, text[] in the
/// array send format, jsonb as a version byte 1 and UTF-8 text). The verifier streams millions of these.
/// </summary>
public static class AuditCopyFormat
{
    /// <summary>The columns, in tuple order.</summary>
    public const string Columns = "sequence, previous_hash, hash, " + AuditChainWriter.FieldColumns;

    public const int FieldCount = 17;

    /// <summary>"PGCOPY\n\377\r\n\0"; then int32 flags and int32 header-extension length.</summary>
    private static ReadOnlySpan<byte> Sig => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0];

    /// <summary>Days from 0001-01-01 to 2000-01-01, in ticks: PostgreSQL's timestamp epoch.</summary>
    public const long PostgresEpochTicks = 630_822_816_000_000_000;

    // Field indexes.
    internal const int Sequence = 0, PreviousHash = 1, Hash = 2, OccurredAt = 3, ActorType = 4, ActorId = 5, ActorName = 6, ActorRoles = 7,
        Action = 8, TargetType = 9, TargetId = 10, Outcome = 11, Reason = 12, ClientIp = 13, UserAgent = 14, CorrelationId = 15, Details = 16;

    /// <summary>Length of the stream header (signature, flags, extension) at <paramref name="buffer"/>'s start; -1 if incomplete.</summary>
    public static int HeaderLength(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < 19)
        {
            return -1;
        }

        if (!buffer[..11].SequenceEqual(Sig))
        {
            throw new InvalidDataException("Not a PostgreSQL binary COPY stream.");
        }

        var extension = BinaryPrimitives.ReadInt32BigEndian(buffer[15..]);
        return buffer.Length < 19 + extension ? -1 : 19 + extension;
    }

    /// <summary>
    /// Length of the complete tuple at the start of <paramref name="buffer"/>: 0 for the trailer (int16 -1) when
    /// <paramref name="trailer"/> is set, -1 when the buffer ends before the tuple does.
    /// </summary>
    public static int TupleLength(ReadOnlySpan<byte> buffer, out bool trailer)
    {
        trailer = false;
        if (buffer.Length < 2)
        {
            return -1;
        }

        var fields = BinaryPrimitives.ReadInt16BigEndian(buffer);
        if (fields == -1)
        {
            trailer = true;
            return 2;
        }

        if (fields != FieldCount)
        {
            throw new InvalidDataException($"Expected {FieldCount} columns in a COPY tuple, got {fields}.");
        }

        var position = 2;
        for (var i = 0; i < fields; i++)
        {
            if (buffer.Length < position + 4)
            {
                return -1;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(buffer[position..]);
            position += 4 + Math.Max(0, length);
            if (position > buffer.Length)
            {
                return -1;
            }
        }

        return position;
    }

    /// <summary>The fields of one tuple as (offset, length) pairs; length -1 is NULL.</summary>
    public static void Slice(ReadOnlySpan<byte> tuple, Span<int> offsets, Span<int> lengths)
    {
        var position = 2;
        for (var i = 0; i < FieldCount; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(tuple[position..]);
            offsets[i] = position + 4;
            lengths[i] = length;
            position += 4 + Math.Max(0, length);
        }
    }

    public static long ReadInt64(ReadOnlySpan<byte> tuple, int offset) => BinaryPrimitives.ReadInt64BigEndian(tuple[offset..]);

    public static DateTimeOffset ToTimestamp(long microsecondsSince2000) =>
        new(PostgresEpochTicks + (microsecondsSince2000 * 10), TimeSpan.Zero);

    /// <summary>The slow, exact decode of a tuple into a record (the reference path for rows the fast path declines).</summary>
    public static AuditRecord Decode(ReadOnlySpan<byte> tuple)
    {
        var offsets = new int[FieldCount];
        var lengths = new int[FieldCount];
        Slice(tuple, offsets, lengths);
        string? Text(int field, ReadOnlySpan<byte> t) =>
            lengths[field] < 0 ? null : Utf8Strict.GetString(t.Slice(offsets[field], lengths[field]));

        var details = tuple.Slice(offsets[Details], lengths[Details]);
        if (details.Length == 0 || details[0] != 1)
        {
            throw new InvalidDataException("Unknown jsonb version in the details column.");
        }

        return new AuditRecord
        {
            Sequence = ReadInt64(tuple, offsets[Sequence]),
            PreviousHash = tuple.Slice(offsets[PreviousHash], lengths[PreviousHash]).ToArray(),
            Hash = tuple.Slice(offsets[Hash], lengths[Hash]).ToArray(),
            OccurredAt = ToTimestamp(ReadInt64(tuple, offsets[OccurredAt])),
            ActorType = Text(ActorType, tuple)!,
            ActorId = Text(ActorId, tuple),
            ActorName = Text(ActorName, tuple)!,
            ActorRoles = DecodeTextArray(tuple.Slice(offsets[ActorRoles], lengths[ActorRoles])),
            Action = Text(Action, tuple)!,
            TargetType = Text(TargetType, tuple)!,
            TargetId = Text(TargetId, tuple),
            Outcome = Text(Outcome, tuple)!,
            Reason = Text(Reason, tuple),
            ClientIp = Text(ClientIp, tuple),
            UserAgent = Text(UserAgent, tuple),
            CorrelationId = Text(CorrelationId, tuple),
            Details = Utf8Strict.GetString(details[1..]),
        };
    }

    /// <summary>
    /// The elements of a one-dimensional text[] in the array send format (ndim, has-null flag, element oid, then per
    /// dimension its size and lower bound, then each element as int32 length and bytes).
    /// </summary>
    public static string[] DecodeTextArray(ReadOnlySpan<byte> array)
    {
        var dimensions = BinaryPrimitives.ReadInt32BigEndian(array);
        if (dimensions == 0)
        {
            return [];
        }

        if (dimensions != 1)
        {
            throw new InvalidDataException("Only one-dimensional arrays are expected in actor_roles.");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(array[12..]);
        var values = new string[count];
        var position = 20;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(array[position..]);
            position += 4;
            values[i] = length < 0 ? null! : Utf8Strict.GetString(array.Slice(position, length));
            position += Math.Max(0, length);
        }

        return values;
    }

    /// <summary>Encodes a record as one COPY tuple, exactly as PostgreSQL sends it (tests and tools).</summary>
    public static byte[] Encode(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var stream = new MemoryStream();
        var scratch = new byte[8];
        void Int16(short v)
        {
            BinaryPrimitives.WriteInt16BigEndian(scratch, v);
            stream.Write(scratch, 0, 2);
        }

        void Int32(int v)
        {
            BinaryPrimitives.WriteInt32BigEndian(scratch, v);
            stream.Write(scratch, 0, 4);
        }

        void Int64Field(long v)
        {
            Int32(8);
            BinaryPrimitives.WriteInt64BigEndian(scratch, v);
            stream.Write(scratch, 0, 8);
        }

        void Bytes(ReadOnlySpan<byte> v)
        {
            Int32(v.Length);
            stream.Write(v);
        }

        void Text(string? v)
        {
            if (v is null)
            {
                Int32(-1);
            }
            else
            {
                Bytes(Encoding.UTF8.GetBytes(v));
            }
        }

        Int16(FieldCount);
        Int64Field(record.Sequence);
        Bytes(record.PreviousHash);
        Bytes(record.Hash);
        Int64Field((AuditCanonical.ToStoredPrecision(record.OccurredAt).UtcTicks - PostgresEpochTicks) / 10);
        Text(record.ActorType);
        Text(record.ActorId);
        Text(record.ActorName);
        using (var array = new MemoryStream())
        {
            void ArrayInt32(int v)
            {
                Span<byte> b = stackalloc byte[4];
                BinaryPrimitives.WriteInt32BigEndian(b, v);
                array.Write(b);
            }

            ArrayInt32(record.ActorRoles.Length == 0 ? 0 : 1);
            ArrayInt32(record.ActorRoles.Any(r => r is null) ? 1 : 0);
            ArrayInt32(25); // text
            if (record.ActorRoles.Length > 0)
            {
                ArrayInt32(record.ActorRoles.Length);
                ArrayInt32(1);
                foreach (var role in record.ActorRoles)
                {
                    if (role is null)
                    {
                        ArrayInt32(-1);
                    }
                    else
                    {
                        var bytes = Encoding.UTF8.GetBytes(role);
                        ArrayInt32(bytes.Length);
                        array.Write(bytes);
                    }
                }
            }

            Bytes(array.ToArray());
        }

        Text(record.Action);
        Text(record.TargetType);
        Text(record.TargetId);
        Text(record.Outcome);
        Text(record.Reason);
        Text(record.ClientIp);
        Text(record.UserAgent);
        Text(record.CorrelationId);
        var details = Encoding.UTF8.GetBytes(record.Details);
        Int32(details.Length + 1);
        stream.WriteByte(1);
        stream.Write(details);
        return stream.ToArray();
    }

    /// <summary>PostgreSQL only ever sends valid UTF-8; anything else is damage, not text.</summary>
    internal static readonly UTF8Encoding Utf8Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
