using System.Text;

namespace OpsConsole.Core.Metrics.Exposition;

/// <summary>Walks a validated label text (<see cref="ParsedSample.Labels"/>) without allocating.</summary>
public ref struct LabelReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private ReadOnlySpan<byte> _rest;

    public LabelReader(ReadOnlySpan<byte> labels)
    {
        _rest = labels;
        Name = default;
        RawValue = default;
    }

    public ReadOnlySpan<byte> Name { get; private set; }

    /// <summary>The value between the quotes, still escaped (\\, \", \n).</summary>
    public ReadOnlySpan<byte> RawValue { get; private set; }

    public bool MoveNext()
    {
        _rest = _rest.TrimStart(" \t,"u8);
        if (_rest.IsEmpty)
        {
            return false;
        }

        var equals = _rest.IndexOf((byte)'=');
        Name = _rest[..equals].TrimEnd(" \t"u8);
        var afterEquals = _rest[(equals + 1)..].TrimStart(" \t"u8)[1..]; // past the opening quote (validated by the parser)
        var end = 0;
        while (afterEquals[end] != (byte)'"')
        {
            end += afterEquals[end] == (byte)'\\' ? 2 : 1;
        }

        RawValue = afterEquals[..end];
        _rest = afterEquals[(end + 1)..];
        return true;
    }

    /// <summary>The unescaped value as a string; invalid UTF-8 is refused with a message (new series only, so off the hot path).</summary>
    public static string Unescape(ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return Decode(raw);
        }

        var buffer = raw.Length <= 256 ? stackalloc byte[raw.Length] : new byte[raw.Length];
        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'\\' && i + 1 < raw.Length)
            {
                i++;
                buffer[length++] = raw[i] == (byte)'n' ? (byte)'\n' : raw[i];
            }
            else
            {
                buffer[length++] = raw[i];
            }
        }

        return Decode(buffer[..length]);
    }

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ExpositionFormatException("a label value is not valid UTF-8", ex);
        }
    }
}
