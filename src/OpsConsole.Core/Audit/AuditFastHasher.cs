using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace OpsConsole.Core.Audit;

/// <summary>
/// The allocation-free twin of <see cref="AuditCanonical"/>: builds the same canonical bytes straight from a binary
/// COPY tuple (<see cref="AuditCopyFormat"/>) into a reused buffer and hashes them. Text is UTF-8 on the wire and every
/// byte the canonical form escapes is ASCII, so escaping works on bytes. Rows it cannot be sure about (non-ASCII
/// detail keys or roles, whose ordinal order in UTF-16 may differ from byte order; duplicate keys; non-string values;
/// NULL roles) go through the reference path, so the result is always byte-identical to <see cref="AuditCanonical"/>.
/// One instance per thread.
/// </summary>
public sealed class AuditFastHasher
{
    private const int MaxProperties = 64;
    private const int MaxRoles = 32;
    private static readonly SearchValues<byte> Escaped = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    private readonly int[] _keyStart = new int[MaxProperties];
    private readonly int[] _keyLength = new int[MaxProperties];
    private readonly int[] _valueStart = new int[MaxProperties];
    private readonly int[] _valueLength = new int[MaxProperties];
    private readonly int[] _order = new int[MaxProperties];
    private byte[] _output = new byte[4096];
    private byte[] _strings = new byte[1024];
    private int _length;
    private int _stringsLength;

    /// <summary>Rows that took the reference path (for tests and profiling).</summary>
    public long ReferencePathRows { get; private set; }

    /// <summary>
    /// Recomputes the hash of the tuple's record from its fields and its stored previous_hash into
    /// <paramref name="hash"/> (32 bytes). False when the row cannot be read as a record at all (damaged).
    /// </summary>
    public bool TryComputeHash(ReadOnlySpan<byte> tuple, Span<byte> hash)
    {
        try
        {
            if (TryWriteCanonical(tuple))
            {
                SHA256.HashData(_output.AsSpan(0, _length), hash);
                return true;
            }

            ReferencePathRows++;
            var record = AuditCopyFormat.Decode(tuple);
            AuditCanonical.Hash(record.Sequence, record.PreviousHash, record).CopyTo(hash);
            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or ArgumentException or InvalidOperationException or OverflowException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>The canonical bytes by the fast path, or null when the row would take the reference path.</summary>
    public byte[]? FastCanonicalBytes(ReadOnlySpan<byte> tuple) => TryWriteCanonical(tuple) ? _output.AsSpan(0, _length).ToArray() : null;

    private bool TryWriteCanonical(ReadOnlySpan<byte> tuple)
    {
        Span<int> offsets = stackalloc int[AuditCopyFormat.FieldCount];
        Span<int> lengths = stackalloc int[AuditCopyFormat.FieldCount];
        AuditCopyFormat.Slice(tuple, offsets, lengths);
        if (lengths[AuditCopyFormat.Sequence] != 8 || lengths[AuditCopyFormat.OccurredAt] != 8 || lengths[AuditCopyFormat.ActorRoles] < 12
            || lengths[AuditCopyFormat.Details] < 1)
        {
            return false;
        }

        _length = 0;
        _stringsLength = 0;

        // Details first: it may decline the row before anything is written.
        var details = Field(tuple, offsets, lengths, AuditCopyFormat.Details);
        if (details[0] != 1 || !TryReadDetails(details[1..], out var properties))
        {
            return false;
        }

        Span<int> roleStart = stackalloc int[MaxRoles];
        Span<int> roleLength = stackalloc int[MaxRoles];
        var roles = Field(tuple, offsets, lengths, AuditCopyFormat.ActorRoles);
        if (!TryReadRoles(roles, roleStart, roleLength, out var roleCount))
        {
            return false;
        }

        Byte((byte)'[');
        Ensure(20);
        Utf8Formatter.TryFormat(AuditCopyFormat.ReadInt64(tuple, offsets[AuditCopyFormat.Sequence]), _output.AsSpan(_length), out var written);
        _length += written;
        Byte((byte)',');
        Hex(Field(tuple, offsets, lengths, AuditCopyFormat.PreviousHash));
        Byte((byte)',');
        if (!Timestamp(AuditCopyFormat.ReadInt64(tuple, offsets[AuditCopyFormat.OccurredAt])))
        {
            return false;
        }

        foreach (var field in (ReadOnlySpan<int>)[AuditCopyFormat.ActorType, AuditCopyFormat.ActorId, AuditCopyFormat.ActorName])
        {
            Byte((byte)',');
            NullableString(tuple, offsets[field], lengths[field]);
        }

        Byte((byte)',');
        Byte((byte)'[');
        for (var i = 0; i < roleCount; i++)
        {
            if (i > 0)
            {
                Byte((byte)',');
            }

            String(roles.Slice(roleStart[i], roleLength[i]));
        }

        Byte((byte)']');
        foreach (var field in (ReadOnlySpan<int>)
                 [
                     AuditCopyFormat.Action, AuditCopyFormat.TargetType, AuditCopyFormat.TargetId, AuditCopyFormat.Outcome,
                     AuditCopyFormat.Reason, AuditCopyFormat.ClientIp, AuditCopyFormat.UserAgent, AuditCopyFormat.CorrelationId,
                 ])
        {
            Byte((byte)',');
            NullableString(tuple, offsets[field], lengths[field]);
        }

        Byte((byte)',');
        Byte((byte)'{');
        for (var i = 0; i < properties; i++)
        {
            if (i > 0)
            {
                Byte((byte)',');
            }

            var p = _order[i];
            String(_strings.AsSpan(_keyStart[p], _keyLength[p]));
            Byte((byte)':');
            if (_valueLength[p] < 0)
            {
                Raw("null"u8);
            }
            else
            {
                String(_strings.AsSpan(_valueStart[p], _valueLength[p]));
            }
        }

        Raw("}]"u8);
        return true;
    }

    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> tuple, ReadOnlySpan<int> offsets, ReadOnlySpan<int> lengths, int field) =>
        tuple.Slice(offsets[field], Math.Max(0, lengths[field]));

    private bool TryReadDetails(ReadOnlySpan<byte> json, out int count)
    {
        count = 0;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (true)
        {
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.TokenType != JsonTokenType.PropertyName || count == MaxProperties)
            {
                return false;
            }

            (_keyStart[count], _keyLength[count]) = Unescape(ref reader);
            var key = _strings.AsSpan(_keyStart[count], _keyLength[count]);
            if (key.ContainsAnyExceptInRange((byte)0, (byte)0x7f))
            {
                return false; // ordinal UTF-16 order vs byte order: let the reference path sort it
            }

            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.Null)
            {
                (_valueStart[count], _valueLength[count]) = (0, -1);
            }
            else if (reader.TokenType == JsonTokenType.String)
            {
                (_valueStart[count], _valueLength[count]) = Unescape(ref reader);
            }
            else
            {
                return false;
            }

            count++;
        }

        if (reader.Read())
        {
            return false; // trailing content: the reference path decides
        }

        // Insertion sort by key bytes (ASCII: the same as ordinal); a duplicate key declines the row.
        for (var i = 0; i < count; i++)
        {
            var j = i;
            var key = _strings.AsSpan(_keyStart[i], _keyLength[i]);
            while (j > 0)
            {
                var previous = _order[j - 1];
                var c = _strings.AsSpan(_keyStart[previous], _keyLength[previous]).SequenceCompareTo(key);
                if (c == 0)
                {
                    return false;
                }

                if (c < 0)
                {
                    break;
                }

                _order[j] = previous;
                j--;
            }

            _order[j] = i;
        }

        return true;
    }

    private (int Start, int Length) Unescape(ref Utf8JsonReader reader)
    {
        var needed = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (_strings.Length < _stringsLength + needed)
        {
            Array.Resize(ref _strings, Math.Max(_strings.Length * 2, _stringsLength + needed));
        }

        var start = _stringsLength;
        int length;
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            length = reader.CopyString(_strings.AsSpan(start));
        }
        else
        {
            reader.ValueSpan.CopyTo(_strings.AsSpan(start));
            length = reader.ValueSpan.Length;
        }

        _stringsLength += length;
        return (start, length);
    }

    private static bool TryReadRoles(ReadOnlySpan<byte> array, Span<int> start, Span<int> length, out int count)
    {
        count = 0;
        var dimensions = BinaryPrimitives.ReadInt32BigEndian(array);
        if (dimensions == 0)
        {
            return true;
        }

        if (dimensions != 1 || array.Length < 20)
        {
            return false;
        }

        var elements = BinaryPrimitives.ReadInt32BigEndian(array[12..]);
        if (elements > start.Length)
        {
            return false;
        }

        var position = 20;
        for (var i = 0; i < elements; i++)
        {
            var l = BinaryPrimitives.ReadInt32BigEndian(array[position..]);
            position += 4;
            if (l < 0 || array.Slice(position, l).ContainsAnyExceptInRange((byte)0, (byte)0x7f))
            {
                return false; // NULL or non-ASCII role: reference path
            }

            // Insertion sort by bytes (ASCII: ordinal).
            var role = array.Slice(position, l);
            var j = count;
            while (j > 0 && array.Slice(start[j - 1], length[j - 1]).SequenceCompareTo(role) > 0)
            {
                start[j] = start[j - 1];
                length[j] = length[j - 1];
                j--;
            }

            start[j] = position;
            length[j] = l;
            count++;
            position += l;
        }

        return true;
    }

    /// <summary>yyyy-MM-ddTHH:mm:ss.ffffffZ, quoted; false outside DateTime's range (the reference path then fails too).</summary>
    private bool Timestamp(long microseconds)
    {
        var ticks = AuditCopyFormat.PostgresEpochTicks + (microseconds * 10);
        if (microseconds is > (long.MaxValue / 20) or < (long.MinValue / 20) || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        var (year, month, day) = new DateTime(ticks, DateTimeKind.Utc);
        var time = ticks % TimeSpan.TicksPerDay;
        Ensure(29);
        var o = _output.AsSpan(_length, 29);
        o[0] = (byte)'"';
        Digits(o.Slice(1, 4), year);
        o[5] = (byte)'-';
        Digits(o.Slice(6, 2), month);
        o[8] = (byte)'-';
        Digits(o.Slice(9, 2), day);
        o[11] = (byte)'T';
        Digits(o.Slice(12, 2), (int)(time / TimeSpan.TicksPerHour));
        o[14] = (byte)':';
        Digits(o.Slice(15, 2), (int)(time / TimeSpan.TicksPerMinute % 60));
        o[17] = (byte)':';
        Digits(o.Slice(18, 2), (int)(time / TimeSpan.TicksPerSecond % 60));
        o[20] = (byte)'.';
        Digits(o.Slice(21, 6), (int)(time % TimeSpan.TicksPerSecond / 10));
        o[27] = (byte)'Z';
        o[28] = (byte)'"';
        _length += 29;
        return true;
    }

    private static void Digits(Span<byte> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private void Hex(ReadOnlySpan<byte> bytes)
    {
        Ensure((bytes.Length * 2) + 2);
        var o = _output.AsSpan(_length);
        o[0] = (byte)'"';
        for (var i = 0; i < bytes.Length; i++)
        {
            o[1 + (2 * i)] = HexDigits[bytes[i] >> 4];
            o[2 + (2 * i)] = HexDigits[bytes[i] & 0xf];
        }

        o[1 + (2 * bytes.Length)] = (byte)'"';
        _length += (bytes.Length * 2) + 2;
    }

    private void NullableString(ReadOnlySpan<byte> tuple, int offset, int length)
    {
        if (length < 0)
        {
            Raw("null"u8);
        }
        else
        {
            String(tuple.Slice(offset, length));
        }
    }

    /// <summary>The reference escaping (RFC 8785 subset): quote, backslash and control characters only.</summary>
    private void String(ReadOnlySpan<byte> utf8)
    {
        Byte((byte)'"');
        while (true)
        {
            var next = utf8.IndexOfAny(Escaped);
            if (next < 0)
            {
                Raw(utf8);
                break;
            }

            Raw(utf8[..next]);
            var c = utf8[next];
            switch (c)
            {
                case (byte)'"': Raw("\\\""u8); break;
                case (byte)'\\': Raw("\\\\"u8); break;
                case (byte)'\b': Raw("\\b"u8); break;
                case (byte)'\f': Raw("\\f"u8); break;
                case (byte)'\n': Raw("\\n"u8); break;
                case (byte)'\r': Raw("\\r"u8); break;
                case (byte)'\t': Raw("\\t"u8); break;
                default:
                    Raw("\\u00"u8);
                    Byte(HexDigits[c >> 4]);
                    Byte(HexDigits[c & 0xf]);
                    break;
            }

            utf8 = utf8[(next + 1)..];
        }

        Byte((byte)'"');
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_output.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Byte(byte b)
    {
        Ensure(1);
        _output[_length++] = b;
    }

    private void Ensure(int more)
    {
        if (_length + more > _output.Length)
        {
            Array.Resize(ref _output, Math.Max(_output.Length * 2, _length + more));
        }
    }
}
