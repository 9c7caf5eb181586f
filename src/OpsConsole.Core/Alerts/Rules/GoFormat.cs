using System.Globalization;
using System.Text;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>
/// Go's <c>strconv.FormatFloat</c> and the <c>fmt</c> verbs that alert templates use (<c>%v %s %d %f %e %g %q %x %t %%</c>
/// with flags, width and precision), so annotations read exactly as Prometheus renders them. Written here because .NET's
/// numeric formats differ from Go's in exponent form (<c>1e+06</c> against <c>1E+06</c>) and in when they switch to it.
/// </summary>
internal static class GoFormat
{
    /// <summary><c>strconv.FormatFloat(v, verb, prec, 64)</c>; <paramref name="precision"/> -1 = the shortest exact form.</summary>
    public static string FormatFloat(double value, char verb, int precision)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        var negative = value < 0 || (value == 0 && double.IsNegative(value));
        var (digits, point) = Digits(Math.Abs(value), verb, precision);
        var text = new StringBuilder();
        if (negative)
        {
            text.Append('-');
        }

        var shortest = precision < 0;
        switch (verb)
        {
            case 'e' or 'E':
                AppendE(text, digits, point, shortest ? digits.Length - 1 : precision, verb);
                break;
            case 'f' or 'F':
                AppendF(text, digits, point, shortest ? Math.Max(digits.Length - point, 0) : precision);
                break;
            default: // g, G
                var eprec = shortest ? 6 : precision == 0 ? 1 : precision;
                if (!shortest && eprec > digits.Length && digits.Length >= point)
                {
                    eprec = digits.Length;
                }

                var exponent = point - 1;
                if (exponent < -4 || exponent >= eprec)
                {
                    var p = shortest ? digits.Length : Math.Min(precision == 0 ? 1 : precision, digits.Length);
                    AppendE(text, digits, point, p - 1, verb == 'G' ? 'E' : 'e');
                }
                else
                {
                    var p = shortest || (precision == 0 ? 1 : precision) > point ? digits.Length : precision;
                    AppendF(text, digits, point, Math.Max(p - point, 0));
                }

                break;
        }

        return text.ToString();
    }

    /// <summary>Go's <c>fmt.Sprintf</c> for the verbs above; misuse renders as Go does (<c>%!d(string=x)</c>, <c>%!s(MISSING)</c>).</summary>
    public static string Sprintf(string format, IReadOnlyList<object> args)
    {
        var text = new StringBuilder();
        var next = 0;
        var i = 0;
        while (i < format.Length)
        {
            var c = format[i++];
            if (c != '%')
            {
                text.Append(c);
                continue;
            }

            var spec = new Spec();
            for (; i < format.Length; i++)
            {
                switch (format[i])
                {
                    case '-': spec.Minus = true; continue;
                    case '+': spec.Plus = true; continue;
                    case '0': spec.Zero = true; continue;
                    case ' ': spec.Space = true; continue;
                    case '#': spec.Sharp = true; continue;
                }

                break;
            }

            spec.Width = ReadNumber(format, ref i);
            if (i < format.Length && format[i] == '.')
            {
                i++;
                spec.Precision = ReadNumber(format, ref i) ?? 0;
            }

            if (i >= format.Length)
            {
                text.Append("%!(NOVERB)");
                break;
            }

            var verb = format[i++];
            if (verb == '%')
            {
                text.Append('%');
                continue;
            }

            if (next >= args.Count)
            {
                text.Append("%!").Append(verb).Append("(MISSING)");
                continue;
            }

            text.Append(FormatOne(args[next++], verb, spec));
        }

        if (next < args.Count)
        {
            text.Append("%!(EXTRA ").AppendJoin(", ", args.Skip(next).Select(a => $"{TypeName(a)}={Default(a)}")).Append(')');
        }

        return text.ToString();
    }

    /// <summary>How Go prints a value with <c>%v</c> (and text/template prints an action's result).</summary>
    public static string Default(object value) => value switch
    {
        string s => s,
        double d => FormatFloat(d, 'g', -1),
        long l => l.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IReadOnlyDictionary<string, string> map =>
            "map[" + string.Join(' ', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}")) + "]",
        _ => value.ToString() ?? "",
    };

    public static string TypeName(object value) => value switch
    {
        string => "string",
        double => "float64",
        long => "int",
        bool => "bool",
        IReadOnlyDictionary<string, string> => "map[string]string",
        _ => value.GetType().Name,
    };

    private static string FormatOne(object arg, char verb, Spec spec)
    {
        string? body = (verb, arg) switch
        {
            ('v', _) => arg is double dv ? Signed(FormatFloat(dv, 'g', spec.Precision ?? -1), spec) : arg is long lv ? SignedInteger(lv, spec) : Default(arg),
            ('s', string s) => spec.Precision is { } p && p < s.Length ? s[..p] : s,
            ('q', string s) => Quote(s),
            ('x' or 'X', string s) => Hex(Encoding.UTF8.GetBytes(s), verb),
            ('d', long l) => SignedInteger(l, spec),
            ('x' or 'X', long l) => Signed((l < 0 ? "-" : "") + Math.Abs(l).ToString(verb == 'x' ? "x" : "X", CultureInfo.InvariantCulture), spec),
            ('e' or 'E' or 'f' or 'F' or 'g' or 'G', double d) => Signed(FormatFloat(d, verb, spec.Precision ?? (verb is 'g' or 'G' ? -1 : 6)), spec),
            ('t', bool b) => b ? "true" : "false",
            _ => null,
        };
        if (body is null)
        {
            return $"%!{verb}({TypeName(arg)}={Default(arg)})";
        }

        if (spec.Width is not { } width || body.Length >= width)
        {
            return body;
        }

        if (spec.Minus)
        {
            return body.PadRight(width);
        }

        var numeric = arg is double or long && verb != 'q';
        var special = arg is double dd && (double.IsNaN(dd) || double.IsInfinity(dd));
        if (spec.Zero && numeric && !special)
        {
            var sign = body.Length > 0 && body[0] is '-' or '+' or ' ' ? body[..1] : "";
            return sign + body[sign.Length..].PadLeft(width - sign.Length, '0');
        }

        return body.PadLeft(width);
    }

    private static string SignedInteger(long value, Spec spec) => Signed(value.ToString(CultureInfo.InvariantCulture), spec);

    private static string Signed(string number, Spec spec) =>
        number.StartsWith('-') || number == "NaN" && !spec.Plus ? number
        : number.StartsWith('+') ? (spec.Plus ? number : number == "+Inf" ? number : number[1..])
        : spec.Plus ? "+" + number
        : spec.Space ? " " + number
        : number;

    private static string Quote(string s)
    {
        var text = new StringBuilder("\"");
        foreach (var c in s)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return text.Append('"').ToString();
    }

    private static string Hex(byte[] bytes, char verb) =>
        verb == 'x' ? Convert.ToHexStringLower(bytes) : Convert.ToHexString(bytes);

    private static int? ReadNumber(string format, ref int i)
    {
        var start = i;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
        {
            i++;
        }

        return i == start ? null : int.Parse(format.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The decimal digits of a positive finite value (no trailing zeros; "0" for zero) and where the point goes:
    /// value = 0.d1d2d3… × 10^point. Shortest round-trip form, or rounded as the verb and precision ask, with Go's
    /// rounding: exact, and an exact tie goes to the even digit (.NET rounds ties away from zero).
    /// </summary>
    private static (string Digits, int Point) Digits(double value, char verb, int precision)
    {
        if (value == 0)
        {
            return ("0", 1);
        }

        if (precision < 0)
        {
            // .NET's "R" is the shortest string that reads back as the same double, as Go's shortest form is.
            return FromExponent(ToExponent(value.ToString("R", CultureInfo.InvariantCulture)));
        }

        // Sixty significant digits are exact for every value that can be a tie at the precisions alerts use.
        var (all, point) = FromExponent(value.ToString("E60", CultureInfo.InvariantCulture));
        var keep = verb switch
        {
            'e' or 'E' => precision + 1,
            'g' or 'G' => precision == 0 ? 1 : precision,
            _ => point + precision,
        };
        return Round(all, point, keep);
    }

    private static (string Digits, int Point) Round(string digits, int point, int keep)
    {
        if (keep < 0 || digits.Length <= keep)
        {
            return keep < 0 ? ("0", 1) : (digits, point);
        }

        var next = digits[keep];
        var rest = digits.AsSpan(keep + 1).TrimEnd('0').Length > 0;
        var previousOdd = keep > 0 && (digits[keep - 1] - '0') % 2 == 1;
        var up = next > '5' || (next == '5' && (rest || previousOdd));
        var kept = digits[..keep].ToCharArray();
        if (up)
        {
            var i = kept.Length - 1;
            while (i >= 0 && kept[i] == '9')
            {
                kept[i--] = '0';
            }

            if (i < 0)
            {
                return ("1", point + 1); // 9.99 → 10.0
            }

            kept[i]++;
        }

        var result = new string(kept).TrimEnd('0');
        return result.Length == 0 ? ("0", 1) : (result, point);
    }

    /// <summary>"123.45" or "1.5E-05" → "1.2345E+002"-like form understood by <see cref="FromExponent"/>.</summary>
    private static string ToExponent(string text) =>
        text.Contains('E', StringComparison.Ordinal) ? text : ExponentOfPlain(text);

    private static string ExponentOfPlain(string text)
    {
        var (digits, point) = FromPlain(text);
        return digits[..1] + (digits.Length > 1 ? "." + digits[1..] : "") + "E" + (point - 1).ToString(CultureInfo.InvariantCulture);
    }

    private static (string Digits, int Point) FromPlain(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var all = dot < 0 ? text : text.Remove(dot, 1);
        var point = dot < 0 ? text.Length : dot;
        var lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0')
        {
            lead++;
        }

        var digits = all[lead..].TrimEnd('0');
        return digits.Length == 0 ? ("0", 1) : (digits, point - lead);
    }

    private static (string Digits, int Point) FromExponent(string text)
    {
        var e = text.IndexOfAny(['E', 'e']);
        var mantissa = text[..e].Replace(".", "", StringComparison.Ordinal);
        var exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var digits = mantissa.TrimEnd('0');
        return digits.Length == 0 ? ("0", 1) : (digits, exponent + 1);
    }

    private static void AppendE(StringBuilder text, string digits, int point, int decimals, char verb)
    {
        text.Append(digits[0]);
        if (decimals > 0)
        {
            text.Append('.');
            for (var i = 1; i <= decimals; i++)
            {
                text.Append(i < digits.Length ? digits[i] : '0');
            }
        }

        var exponent = digits == "0" ? 0 : point - 1;
        text.Append(verb).Append(exponent < 0 ? '-' : '+');
        var magnitude = Math.Abs(exponent);
        if (magnitude < 10)
        {
            text.Append('0');
        }

        text.Append(magnitude.ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendF(StringBuilder text, string digits, int point, int decimals)
    {
        if (point > 0)
        {
            for (var i = 0; i < point; i++)
            {
                text.Append(i < digits.Length ? digits[i] : '0');
            }
        }
        else
        {
            text.Append('0');
        }

        if (decimals > 0)
        {
            text.Append('.');
            for (var i = 0; i < decimals; i++)
            {
                var index = point + i;
                text.Append(index >= 0 && index < digits.Length ? digits[index] : '0');
            }
        }
    }

    private struct Spec
    {
        public bool Minus;
        public bool Plus;
        public bool Zero;
        public bool Space;
        public bool Sharp;
        public int? Width;
        public int? Precision;
    }
}
