using System.Globalization;
using System.Text;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>What a rule's label and annotation templates see: the alert's labels, the sample value, external labels and URL.</summary>
public sealed record RuleTemplateData(
    IReadOnlyDictionary<string, string> Labels,
    double Value,
    IReadOnlyDictionary<string, string> ExternalLabels,
    string ExternalUrl)
{
    public static IReadOnlyDictionary<string, string> NoLabels { get; } = new Dictionary<string, string>();
}

/// <summary>A template the console cannot run, with where (1-based line and column within the template text).</summary>
public sealed class RuleTemplateException(string message, int line, int column) : Exception(message)
{
    public int Line { get; } = line;

    public int Column { get; } = column;
}

/// <summary>
/// The part of Go's text/template that alert rules use: <c>{{ $labels.x }}</c>, <c>{{ $value }}</c>,
/// <c>{{ $externalLabels.x }}</c>, <c>{{ $externalURL }}</c> (and <c>.Labels.x</c>, <c>.Value</c>), string and number
/// literals, pipes, parentheses, comments, trim markers, and the functions <c>humanize</c>, <c>humanize1024</c>,
/// <c>humanizePercentage</c>, <c>humanizeDuration</c>, <c>printf</c> and <c>index</c>. Anything else (if/range/with,
/// variables, other functions) is a parse error at load. Hand-written: there is no maintained Go-template library for .NET.
/// </summary>
public sealed class RuleTemplate
{
    private static readonly string[] Functions = ["humanize", "humanize1024", "humanizePercentage", "humanizeDuration", "printf", "index"];
    private static readonly string[] Keywords = ["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil"];

    private readonly object[] _parts; // string (text) or Pipeline (action)

    private RuleTemplate(string text, object[] parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    /// <summary>True when the text has no actions (expansion returns it unchanged).</summary>
    public bool IsPlain => _parts.All(p => p is string);

    /// <summary>Parses the template or throws <see cref="RuleTemplateException"/> naming the position.</summary>
    public static RuleTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new RuleTemplate(text, [.. new Parser(text).ParseAll()]);
    }

    /// <summary>
    /// Expands the template. A failure while running it (a label that is not a number passed to humanize) gives
    /// <c>&lt;error expanding template: …&gt;</c> in place of the text, as Prometheus does, so the alert still goes out.
    /// </summary>
    public string Expand(RuleTemplateData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (IsPlain)
        {
            return string.Concat(_parts.Cast<string>());
        }

        var text = new StringBuilder();
        try
        {
            foreach (var part in _parts)
            {
                text.Append(part is string s ? s : GoFormat.Default(((Pipeline)part).Evaluate(data)));
            }
        }
        catch (TemplateExecutionException ex)
        {
            return $"<error expanding template: {ex.Message}>";
        }

        return text.ToString();
    }

    private sealed class TemplateExecutionException(string message) : Exception(message);

    private abstract record Operand
    {
        public abstract object Evaluate(RuleTemplateData data, object? piped);
    }

    private sealed record Literal(object Value) : Operand
    {
        public override object Evaluate(RuleTemplateData data, object? piped) => Value;
    }

    /// <summary>A variable or the dot, with field (map key) accesses: <c>$labels.job</c>, <c>.Value</c>.</summary>
    private sealed record Reference(string Root, string[] Fields) : Operand
    {
        public override object Evaluate(RuleTemplateData data, object? piped)
        {
            object value = Root switch
            {
                "Labels" => data.Labels,
                "ExternalLabels" => data.ExternalLabels,
                "ExternalURL" => data.ExternalUrl,
                _ => data.Value,
            };
            foreach (var field in Fields)
            {
                // missingkey=zero, as Prometheus sets it: an absent label reads as "".
                value = ((IReadOnlyDictionary<string, string>)value).GetValueOrDefault(field, "");
            }

            return value;
        }
    }

    private sealed record Call(string Function, Operand[] Arguments) : Operand
    {
        public override object Evaluate(RuleTemplateData data, object? piped)
        {
            var args = Arguments.Select(a => a.Evaluate(data, null)).ToList();
            if (piped is not null)
            {
                args.Add(piped); // a pipe passes the previous result as the last argument
            }

            return Function switch
            {
                "printf" => args[0] is string format
                    ? GoFormat.Sprintf(format, args.Skip(1).ToList())
                    : throw new TemplateExecutionException($"error calling printf: the format must be a string, got {GoFormat.TypeName(args[0])}"),
                "index" => Index(args),
                _ => Humanize(Function, ToFloat(Function, One(Function, args))),
            };
        }

        private static object One(string function, List<object> args) =>
            args.Count == 1 ? args[0] : throw new TemplateExecutionException($"wrong number of args for {function}: want 1 got {args.Count}");

        private static object Index(List<object> args)
        {
            if (args.Count != 2 || args[0] is not IReadOnlyDictionary<string, string> map || args[1] is not string key)
            {
                throw new TemplateExecutionException("error calling index: index takes a label map and a label name, e.g. index $labels \"job\"");
            }

            return map.GetValueOrDefault(key, "");
        }
    }

    private sealed record Nested(Pipeline Pipeline) : Operand
    {
        public override object Evaluate(RuleTemplateData data, object? piped) => Pipeline.Evaluate(data);
    }

    private sealed record Pipeline(Operand[] Commands)
    {
        public object Evaluate(RuleTemplateData data)
        {
            object? value = null;
            foreach (var command in Commands)
            {
                value = command.Evaluate(data, value);
            }

            return value!;
        }
    }

    private static double ToFloat(string function, object value) => value switch
    {
        double d => d,
        long l => l,
        string s when TryParseGoFloat(s, out var parsed) => parsed,
        string s => throw new TemplateExecutionException($"error calling {function}: cannot parse \"{s}\" as a number"),
        _ => throw new TemplateExecutionException($"error calling {function}: can't convert {GoFormat.Default(value)} to float"),
    };

    private static bool TryParseGoFloat(string s, out double value)
    {
        switch (s.TrimStart('+').ToUpperInvariant())
        {
            case "INF" or "INFINITY":
                value = s.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            case "-INF" or "-INFINITY":
                value = double.NegativeInfinity;
                return true;
            case "NAN":
                value = double.NaN;
                return true;
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Prometheus's humanize functions (template/template.go), to the digit.</summary>
    internal static string Humanize(string function, double v)
    {
        switch (function)
        {
            case "humanizePercentage":
                return GoFormat.FormatFloat(v * 100, 'g', 4) + "%";
            case "humanize1024":
                if (Math.Abs(v) <= 1 || double.IsNaN(v) || double.IsInfinity(v))
                {
                    return GoFormat.FormatFloat(v, 'g', 4);
                }

                return Scale(v, 1024, ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"], "");
            case "humanizeDuration":
                if (double.IsNaN(v) || double.IsInfinity(v))
                {
                    return GoFormat.FormatFloat(v, 'g', 4);
                }

                if (v == 0)
                {
                    return GoFormat.FormatFloat(v, 'g', 4) + "s";
                }

                if (Math.Abs(v) >= 1)
                {
                    var sign = v < 0 ? "-" : "";
                    v = Math.Abs(v);
                    var duration = (long)v;
                    var (seconds, minutes, hours, days) = (duration % 60, duration / 60 % 60, duration / 3600 % 24, duration / 86400);
                    var inv = CultureInfo.InvariantCulture;
                    return days != 0 ? string.Create(inv, $"{sign}{days}d {hours}h {minutes}m {seconds}s")
                        : hours != 0 ? string.Create(inv, $"{sign}{hours}h {minutes}m {seconds}s")
                        : minutes != 0 ? string.Create(inv, $"{sign}{minutes}m {seconds}s")
                        : sign + GoFormat.FormatFloat(v, 'g', 4) + "s";
                }

                return Small(v) + "s";
            default: // humanize
                if (v == 0 || double.IsNaN(v) || double.IsInfinity(v))
                {
                    return GoFormat.FormatFloat(v, 'g', 4);
                }

                return Math.Abs(v) >= 1 ? Scale(v, 1000, ["k", "M", "G", "T", "P", "E", "Z", "Y"], "") : Small(v);
        }
    }

    private static string Scale(double v, double step, string[] prefixes, string suffix)
    {
        var prefix = "";
        foreach (var p in prefixes)
        {
            if (Math.Abs(v) < step)
            {
                break;
            }

            prefix = p;
            v /= step;
        }

        return GoFormat.FormatFloat(v, 'g', 4) + prefix + suffix;
    }

    private static string Small(double v)
    {
        var prefix = "";
        foreach (var p in new[] { "m", "u", "n", "p", "f", "a", "z", "y" })
        {
            if (Math.Abs(v) >= 1)
            {
                break;
            }

            prefix = p;
            v *= 1000;
        }

        return GoFormat.FormatFloat(v, 'g', 4) + prefix;
    }

    /// <summary>Text and <c>{{ … }}</c> actions, with Go's trim markers (<c>{{- </c>, <c> -}}</c>) and comments.</summary>
    private sealed class Parser(string text)
    {
        private int _pos;

        public List<object> ParseAll()
        {
            var parts = new List<object>();
            var trimNextText = false;
            while (_pos <= text.Length)
            {
                var open = text.IndexOf("{{", _pos, StringComparison.Ordinal);
                var literal = open < 0 ? text[_pos..] : text[_pos..open];
                var trimLeft = open >= 0 && open + 3 < text.Length && text[open + 2] == '-' && IsSpace(text[open + 3]);
                if (trimNextText)
                {
                    literal = literal.TrimStart(' ', '\t', '\r', '\n');
                }

                if (trimLeft)
                {
                    literal = literal.TrimEnd(' ', '\t', '\r', '\n');
                }

                if (literal.Length > 0)
                {
                    parts.Add(literal);
                }

                if (open < 0)
                {
                    break;
                }

                _pos = open + (trimLeft ? 4 : 2);
                var (pipeline, trimRight) = ParseAction(open);
                if (pipeline is not null)
                {
                    parts.Add(pipeline);
                }

                trimNextText = trimRight;
            }

            return parts;
        }

        private (Pipeline? Pipeline, bool TrimRight) ParseAction(int open)
        {
            SkipSpace();
            if (Peek("/*"))
            {
                var end = text.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw Error("unclosed comment", open);
                }

                _pos = end + 2;
                return (null, CloseAction(open, comment: true));
            }

            var pipeline = ParsePipeline(open, nested: false);
            return (pipeline, CloseAction(open, comment: false));
        }

        /// <summary>Consumes <c>}}</c> or <c> -}}</c>; true when the following text's leading space is trimmed.</summary>
        private bool CloseAction(int open, bool comment)
        {
            SkipSpace();
            var trim = false;
            if (AtClose() && Peek("-}}"))
            {
                _pos++;
                trim = true;
            }

            if (!Peek("}}"))
            {
                throw _pos >= text.Length
                    ? Error("unclosed action: missing }}", open)
                    : Error(comment ? "comment ends before closing delimiter" : $"unexpected \"{Current()}\" in action", _pos);
            }

            _pos += 2;
            return trim;
        }

        private Pipeline ParsePipeline(int start, bool nested)
        {
            var commands = new List<Operand>();
            while (true)
            {
                var commandStart = _pos;
                var operands = new List<(Operand Operand, bool IsFunction, int At)>();
                while (true)
                {
                    SkipSpace();
                    if (AtEnd() || Peek("|") || Peek(")") || (!nested && AtClose()))
                    {
                        break;
                    }

                    operands.Add(ParseOperand());
                }

                if (operands.Count == 0)
                {
                    throw Error(commands.Count == 0 ? "missing value for command" : "missing command after |", commandStart);
                }

                var (first, isFunction, at) = operands[0];
                if (isFunction)
                {
                    var call = (Call)first;
                    var args = operands.Skip(1).ToArray();
                    if (args.FirstOrDefault(a => a.IsFunction) is { Operand: Call inner } nestedCall)
                    {
                        throw Error($"function \"{inner.Function}\" used as an argument needs parentheses: ({inner.Function} …)", nestedCall.At);
                    }

                    var count = args.Length + (commands.Count > 0 ? 1 : 0);
                    var (min, max) = call.Function switch
                    {
                        "printf" => (1, int.MaxValue),
                        "index" => (2, 2),
                        _ => (1, 1),
                    };
                    if (count < min || count > max)
                    {
                        throw Error($"wrong number of args for {call.Function}: want {(min == max ? min.ToString(CultureInfo.InvariantCulture) : $"at least {min}")} got {count}", at);
                    }

                    commands.Add(call with { Arguments = [.. args.Select(a => a.Operand)] });
                }
                else
                {
                    if (operands.Count > 1)
                    {
                        throw Error("can't give argument to non-function " + Describe(text, at, operands[1].At), operands[1].At);
                    }

                    if (commands.Count > 0)
                    {
                        throw Error($"non executable command in pipeline stage {commands.Count + 1}", at);
                    }

                    commands.Add(first);
                }

                SkipSpace();
                if (Peek("|"))
                {
                    _pos++;
                    continue;
                }

                if (AtEnd() && !nested)
                {
                    throw Error("unclosed action: missing }}", start);
                }

                return new Pipeline([.. commands]);
            }
        }

        private static string Describe(string text, int from, int to) => text[from..to].Trim();

        private (Operand Operand, bool IsFunction, int At) ParseOperand()
        {
            var at = _pos;
            var c = text[_pos];
            if (c == '(')
            {
                _pos++;
                var inner = ParsePipeline(at, nested: true);
                SkipSpace();
                if (!Peek(")"))
                {
                    throw Error("unclosed left paren", at);
                }

                _pos++;
                return (new Nested(inner), false, at);
            }

            if (c is '"' or '`')
            {
                return (new Literal(ReadString()), false, at);
            }

            if (char.IsAsciiDigit(c) || ((c is '-' or '+' or '.') && _pos + 1 < text.Length && char.IsAsciiDigit(text[_pos + 1])))
            {
                return (ReadNumber(), false, at);
            }

            if (c == '$')
            {
                _pos++;
                var name = ReadIdentifier();
                var root = name switch
                {
                    "labels" => "Labels",
                    "value" => "Value",
                    "externalLabels" => "ExternalLabels",
                    "externalURL" => "ExternalURL",
                    "" => throw Error("$ (the whole template data) is not supported; use $labels, $value, $externalLabels or $externalURL", at),
                    _ => throw Error($"undefined variable \"${name}\" (the console's templates know $labels, $value, $externalLabels and $externalURL)", at),
                };
                var after = _pos;
                while (after < text.Length && IsSpace(text[after]))
                {
                    after++;
                }

                if (after < text.Length && (text[after] == '=' || string.CompareOrdinal(text, after, ":=", 0, 2) == 0))
                {
                    throw Error("assigning variables is not supported in the console's rule templates", after);
                }

                return (new Reference(root, ReadFields(root, at)), false, at);
            }

            if (c == '.')
            {
                if (_pos + 1 >= text.Length || !IsIdentifierStart(text[_pos + 1]))
                {
                    throw Error(". (the whole template data) is not supported; use .Labels, .Value, .ExternalLabels or .ExternalURL", at);
                }

                _pos++;
                var root = ReadIdentifier();
                if (root is not ("Labels" or "Value" or "ExternalLabels" or "ExternalURL"))
                {
                    throw Error($"can't evaluate field {root}: the template data has Labels, Value, ExternalLabels and ExternalURL", at);
                }

                return (new Reference(root, ReadFields(root, at)), false, at);
            }

            if (IsIdentifierStart(c))
            {
                var name = ReadIdentifier();
                if (name is "true" or "false")
                {
                    return (new Literal(name == "true"), false, at);
                }

                if (Keywords.Contains(name))
                {
                    throw Error($"{{{{{name}}}}} is not supported in the console's rule templates (only values, pipes and {string.Join(", ", Functions)})", at);
                }

                if (!Functions.Contains(name))
                {
                    throw Error($"function \"{name}\" not defined (the console's rule templates have {string.Join(", ", Functions)})", at);
                }

                return (new Call(name, []), true, at);
            }

            throw Error($"unexpected \"{c}\" in action", at);
        }

        private string[] ReadFields(string root, int at)
        {
            var fields = new List<string>();
            while (_pos < text.Length && text[_pos] == '.')
            {
                var fieldAt = _pos;
                _pos++;
                var field = ReadIdentifier();
                if (field.Length == 0)
                {
                    throw Error("a field name must follow '.'", fieldAt);
                }

                if (root is "Value" or "ExternalURL" || fields.Count == 1)
                {
                    throw Error($"can't evaluate field {field} in type {(root is "Value" && fields.Count == 0 ? "float64" : "string")}", fieldAt);
                }

                fields.Add(field);
            }

            if (_pos < text.Length && !IsSpace(text[_pos]) && text[_pos] is not ('|' or ')' or '}' or '-'))
            {
                throw Error($"unexpected \"{text[_pos]}\" after {text[at.._pos]}", _pos);
            }

            return [.. fields];
        }

        private string ReadIdentifier()
        {
            var start = _pos;
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '_'))
            {
                _pos++;
            }

            return text[start.._pos];
        }

        private Literal ReadNumber()
        {
            var start = _pos;
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] is '.' or '_' or '+' or '-'))
            {
                if (_pos > start && text[_pos] is '+' or '-' && text[_pos - 1] is not ('e' or 'E'))
                {
                    break;
                }

                _pos++;
            }

            var token = text[start.._pos].Replace("_", "", StringComparison.Ordinal);
            var body = token.TrimStart('+', '-');
            var negative = token.StartsWith('-');
            if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(body.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                return new Literal(negative ? -hex : hex);
            }

            if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            {
                return new Literal(integer);
            }

            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && !token.Contains("..", StringComparison.Ordinal))
            {
                return new Literal(number);
            }

            throw Error($"bad number syntax: \"{token}\"", start);
        }

        private string ReadString()
        {
            var start = _pos;
            var quote = text[_pos++];
            var value = new StringBuilder();
            while (_pos < text.Length)
            {
                var c = text[_pos++];
                if (c == quote)
                {
                    return value.ToString();
                }

                if (quote == '"' && c == '\n')
                {
                    break;
                }

                if (quote == '"' && c == '\\')
                {
                    if (_pos >= text.Length)
                    {
                        break;
                    }

                    var escape = text[_pos++];
                    switch (escape)
                    {
                        case 'n': value.Append('\n'); break;
                        case 't': value.Append('\t'); break;
                        case 'r': value.Append('\r'); break;
                        case '\\': value.Append('\\'); break;
                        case '"': value.Append('"'); break;
                        case '\'': value.Append('\''); break;
                        case 'a': value.Append('\a'); break;
                        case 'b': value.Append('\b'); break;
                        case 'f': value.Append('\f'); break;
                        case 'v': value.Append('\v'); break;
                        case 'x' or 'u' or 'U':
                            var length = escape switch { 'x' => 2, 'u' => 4, _ => 8 };
                            if (_pos + length > text.Length
                                || !int.TryParse(text.AsSpan(_pos, length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                            {
                                throw Error($"bad escape \\{escape} in string", _pos - 2);
                            }

                            value.Append(char.ConvertFromUtf32(code));
                            _pos += length;
                            break;
                        default:
                            throw Error($"unknown escape sequence \\{escape} in string", _pos - 2);
                    }

                    continue;
                }

                value.Append(c);
            }

            throw Error("unterminated quoted string", start);
        }

        /// <summary>At <c>}}</c>, or at <c>-}}</c> after a space (Go's right trim marker).</summary>
        private bool AtClose() => Peek("}}") || (Peek("-}}") && _pos > 0 && IsSpace(text[_pos - 1]));

        private bool AtEnd() => _pos >= text.Length;

        private bool Peek(string s) => string.CompareOrdinal(text, _pos, s, 0, s.Length) == 0;

        private string Current() => _pos < text.Length ? text[_pos].ToString() : "";

        private void SkipSpace()
        {
            while (_pos < text.Length && IsSpace(text[_pos]))
            {
                _pos++;
            }
        }

        private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

        private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

        private RuleTemplateException Error(string message, int offset)
        {
            var line = 1;
            var column = 1;
            for (var i = 0; i < offset && i < text.Length; i++)
            {
                if (text[i] == '\n')
                {
                    line++;
                    column = 1;
                }
                else
                {
                    column++;
                }
            }

            return new RuleTemplateException($"{message} (template line {line}, column {column})", line, column);
        }
    }
}
