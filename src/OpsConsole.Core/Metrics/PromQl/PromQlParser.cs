using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Metrics.PromQl;

/// <summary>An expression the parser rejects: the reason, and where (1-based line and column) it went wrong.</summary>
public sealed class PromQlParseException(string reason, int position, int line, int column)
    : FormatException($"{reason} (line {line}, column {column})")
{
    /// <summary>The message without the position.</summary>
    public string Reason { get; } = reason;

    /// <summary>0-based offset in the expression text.</summary>
    public int Position { get; } = position;

    public int Line { get; } = line;

    public int Column { get; } = column;
}

/// <summary>
/// Recursive-descent parser for the console's PromQL subset, with Prometheus 2.42's grammar, precedence and
/// associativity (<c>or</c> &lt; <c>and unless</c> &lt; comparisons &lt; <c>+ -</c> &lt; <c>* / %</c> &lt; <c>^</c>,
/// which is right-associative; unary minus binds like <c>*</c>) and its type checks and messages. Hand-written because
/// no maintained .NET PromQL parser exists. What Prometheus accepts but the console does not evaluate (offset, @,
/// subqueries, other functions and aggregations) is rejected with a message that says so.
/// </summary>
public static partial class PromQlParser
{
    private const int OrPrecedence = 1;
    private const int AndPrecedence = 2;
    private const int ComparisonPrecedence = 3;
    private const int AddPrecedence = 4;
    private const int MulPrecedence = 5;
    private const int PowPrecedence = 6;

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "unless", "atan2", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    };

    /// <summary>Parses an alerting expression; its result must be an instant vector or a scalar.</summary>
    public static PromQlExpr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text, Lexer.Tokenize(text));
        return parser.ParseAll();
    }

    /// <summary>1-based line and column of a 0-based offset.</summary>
    public static (int Line, int Column) LineColumn(string text, int position)
    {
        ArgumentNullException.ThrowIfNull(text);
        position = Math.Clamp(position, 0, text.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < position; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, position - lineStart + 1);
    }

    internal static PromQlParseException Error(string text, int position, string reason)
    {
        var (line, column) = LineColumn(text, position);
        return new PromQlParseException(reason, position, line, column);
    }

    private enum T
    {
        Eof,
        Identifier,
        Number,
        Duration,
        String,
        LParen,
        RParen,
        LBrace,
        RBrace,
        LBracket,
        RBracket,
        Comma,
        Colon,
        At,
        Assign,
        EqlRegex,
        NeqRegex,
        Neq,
        Eql,
        Lss,
        Lte,
        Gtr,
        Gte,
        Add,
        Sub,
        Mul,
        Div,
        Mod,
        Pow,
    }

    private readonly record struct Token(T Kind, int Position, string Text, double Number = 0, long DurationMs = 0);

    private static partial class Lexer
    {
        public static List<Token> Tokenize(string text)
        {
            var tokens = new List<Token>();
            var p = 0;
            var brackets = 0;
            while (true)
            {
                while (p < text.Length && (char.IsWhiteSpace(text[p]) || text[p] == '#'))
                {
                    if (text[p] == '#')
                    {
                        while (p < text.Length && text[p] != '\n')
                        {
                            p++;
                        }
                    }
                    else
                    {
                        p++;
                    }
                }

                if (p >= text.Length)
                {
                    tokens.Add(new Token(T.Eof, p, ""));
                    return tokens;
                }

                var start = p;
                var c = text[p];
                var next = p + 1 < text.Length ? text[p + 1] : '\0';
                switch (c)
                {
                    case '(':
                        tokens.Add(new Token(T.LParen, p++, "("));
                        continue;
                    case ')':
                        tokens.Add(new Token(T.RParen, p++, ")"));
                        continue;
                    case '{':
                        tokens.Add(new Token(T.LBrace, p++, "{"));
                        continue;
                    case '}':
                        tokens.Add(new Token(T.RBrace, p++, "}"));
                        continue;
                    case '[':
                        brackets++;
                        tokens.Add(new Token(T.LBracket, p++, "["));
                        continue;
                    case ']':
                        brackets = Math.Max(0, brackets - 1);
                        tokens.Add(new Token(T.RBracket, p++, "]"));
                        continue;
                    case ',':
                        tokens.Add(new Token(T.Comma, p++, ","));
                        continue;
                    case '@':
                        tokens.Add(new Token(T.At, p++, "@"));
                        continue;
                    case '+':
                        tokens.Add(new Token(T.Add, p++, "+"));
                        continue;
                    case '-':
                        tokens.Add(new Token(T.Sub, p++, "-"));
                        continue;
                    case '*':
                        tokens.Add(new Token(T.Mul, p++, "*"));
                        continue;
                    case '/':
                        tokens.Add(new Token(T.Div, p++, "/"));
                        continue;
                    case '%':
                        tokens.Add(new Token(T.Mod, p++, "%"));
                        continue;
                    case '^':
                        tokens.Add(new Token(T.Pow, p++, "^"));
                        continue;
                    case ':' when brackets > 0:
                        tokens.Add(new Token(T.Colon, p++, ":"));
                        continue;
                    case '=':
                        p += next is '=' or '~' ? 2 : 1;
                        tokens.Add(new Token(next == '=' ? T.Eql : next == '~' ? T.EqlRegex : T.Assign, start, text[start..p]));
                        continue;
                    case '!':
                        if (next is not ('=' or '~'))
                        {
                            throw Error(text, p, "unexpected character after '!'");
                        }

                        p += 2;
                        tokens.Add(new Token(next == '=' ? T.Neq : T.NeqRegex, start, text[start..p]));
                        continue;
                    case '<' or '>':
                        p += next == '=' ? 2 : 1;
                        tokens.Add(new Token(c == '<' ? (next == '=' ? T.Lte : T.Lss) : (next == '=' ? T.Gte : T.Gtr), start, text[start..p]));
                        continue;
                    case '"' or '\'' or '`':
                        tokens.Add(new Token(T.String, start, ReadString(text, ref p)));
                        continue;
                }

                if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(next)))
                {
                    tokens.Add(ReadNumberOrDuration(text, ref p));
                }
                else if (char.IsAsciiLetter(c) || c is '_' or ':')
                {
                    while (p < text.Length && (char.IsAsciiLetterOrDigit(text[p]) || text[p] is '_' or ':'))
                    {
                        p++;
                    }

                    tokens.Add(new Token(T.Identifier, start, text[start..p]));
                }
                else
                {
                    throw Error(text, p, $"unexpected character: '{c}'");
                }
            }
        }

        private static Token ReadNumberOrDuration(string text, ref int p)
        {
            var start = p;
            var duration = DurationPattern().Match(text, p);
            if (duration.Success && !IsWordChar(text, p + duration.Length))
            {
                p += duration.Length;
                var ordered = OrderedDurationPattern().Match(text, start, duration.Length);
                if (ordered.Length != duration.Length)
                {
                    throw Error(text, start, $"not a valid duration string: \"{duration.Value}\"");
                }

                long ms = 0;
                for (var unit = 0; unit < MatrixSelector.DurationUnits.Length; unit++)
                {
                    if (ordered.Groups[unit + 1].Success)
                    {
                        ms = checked(ms + (long.Parse(ordered.Groups[unit + 1].ValueSpan, CultureInfo.InvariantCulture) * MatrixSelector.DurationUnits[unit].Ms));
                    }
                }

                return new Token(T.Duration, start, duration.Value, DurationMs: ms);
            }

            var hex = text[p] == '0' && p + 1 < text.Length && text[p + 1] is 'x' or 'X';
            if (hex)
            {
                p += 2;
                while (p < text.Length && char.IsAsciiHexDigit(text[p]))
                {
                    p++;
                }
            }
            else
            {
                SkipDigits(text, ref p);
                if (p < text.Length && text[p] == '.')
                {
                    p++;
                    SkipDigits(text, ref p);
                }

                if (p < text.Length && text[p] is 'e' or 'E')
                {
                    p++;
                    if (p < text.Length && text[p] is '+' or '-')
                    {
                        p++;
                    }

                    SkipDigits(text, ref p);
                }
            }

            if (IsWordChar(text, p))
            {
                var end = p;
                while (IsWordChar(text, end))
                {
                    end++;
                }

                throw Error(text, start, $"bad number or duration syntax: \"{text[start..end]}\"");
            }

            var literal = text[start..p];
            return new Token(T.Number, start, literal, Number: NumberValue(text, start, literal));
        }

        /// <summary>Go's ParseInt(s, 0, 64) then ParseFloat, as Prometheus reads a number (so 0x1f is 31 and 017 is 15).</summary>
        private static double NumberValue(string text, int position, string literal)
        {
            if (literal.Length > 2 && literal[0] == '0' && literal[1] is 'x' or 'X')
            {
                return long.TryParse(literal.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hexValue) && hexValue >= 0
                    ? hexValue
                    : throw Error(text, position, $"error parsing number: \"{literal}\" is out of range");
            }

            if (literal.Length > 1 && literal[0] == '0' && literal.All(ch => ch is >= '0' and <= '7'))
            {
                long octal = 0;
                foreach (var ch in literal)
                {
                    octal = (octal * 8) + (ch - '0');
                }

                return octal;
            }

            return double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Error(text, position, $"error parsing number: \"{literal}\"");
        }

        private static void SkipDigits(string text, ref int p)
        {
            while (p < text.Length && char.IsAsciiDigit(text[p]))
            {
                p++;
            }
        }

        private static bool IsWordChar(string text, int p) => p < text.Length && (char.IsAsciiLetterOrDigit(text[p]) || text[p] == '_');

        /// <summary>Strings as Go reads them: "..." and '...' with escapes, `...` raw.</summary>
        private static string ReadString(string text, ref int p)
        {
            var start = p;
            var quote = text[p++];
            var value = new StringBuilder();
            while (p < text.Length && text[p] != quote)
            {
                var c = text[p];
                if (quote != '`' && c == '\n')
                {
                    break;
                }

                if (quote == '`' || c != '\\')
                {
                    value.Append(c);
                    p++;
                    continue;
                }

                if (p + 1 >= text.Length)
                {
                    throw Error(text, p, "escape sequence not terminated");
                }

                var escape = text[p + 1];
                p += 2;
                switch (escape)
                {
                    case 'a': value.Append('\a'); break;
                    case 'b': value.Append('\b'); break;
                    case 'f': value.Append('\f'); break;
                    case 'n': value.Append('\n'); break;
                    case 'r': value.Append('\r'); break;
                    case 't': value.Append('\t'); break;
                    case 'v': value.Append('\v'); break;
                    case '\\': value.Append('\\'); break;
                    case var q when q == quote: value.Append(q); break;
                    case >= '0' and <= '7':
                        value.Append((char)ReadCode(text, ref p, p - 1, 3, 8, 255));
                        break;
                    case 'x':
                        value.Append((char)ReadCode(text, ref p, p, 2, 16, 255));
                        break;
                    case 'u' or 'U':
                        var code = ReadCode(text, ref p, p, escape == 'u' ? 4 : 8, 16, 0x10FFFF);
                        if (code is >= 0xD800 and <= 0xDFFF)
                        {
                            throw Error(text, p, "escape sequence is an invalid Unicode code point");
                        }

                        value.Append(char.ConvertFromUtf32(code));
                        break;
                    default:
                        throw Error(text, p - 2, $"unknown escape sequence '\\{escape}'");
                }
            }

            if (p >= text.Length || text[p] != quote)
            {
                throw Error(text, start, "unterminated quoted string");
            }

            p++;
            return value.ToString();
        }

        private static int ReadCode(string text, ref int p, int from, int digits, int radix, int max)
        {
            // For octal the first digit was already consumed (from points at it).
            p = from;
            var code = 0;
            for (var i = 0; i < digits; i++)
            {
                var digit = p < text.Length ? HexValue(text[p]) : -1;
                if (digit < 0 || digit >= radix)
                {
                    throw Error(text, p, "illegal character in escape sequence");
                }

                code = (code * radix) + digit;
                p++;
            }

            return code <= max ? code : throw Error(text, from, "escape sequence is an invalid Unicode code point");
        }

        private static int HexValue(char c) => c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };

        [GeneratedRegex(@"\G(?:[0-9]+(?:ms|[smhdwy]))+")]
        private static partial Regex DurationPattern();

        [GeneratedRegex(@"\G(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m(?!s))?(?:([0-9]+)s)?(?:([0-9]+)ms)?")]
        private static partial Regex OrderedDurationPattern();
    }

    private sealed class Parser(string text, List<Token> tokens)
    {
        private int _next;

        public PromQlExpr ParseAll()
        {
            if (Peek().Kind == T.Eof)
            {
                throw Error(text, 0, "no expression found in input");
            }

            var expr = ParseExpr(0);
            var rest = Peek();
            if (rest.Kind != T.Eof)
            {
                throw Fail(rest, $"unexpected {Describe(rest)}");
            }

            if (expr.Type is not (PromQlType.InstantVector or PromQlType.Scalar))
            {
                throw Error(text, expr.Position, $"an alerting expression must be an instant vector or a scalar, got {PromQlExpr.TypeName(expr.Type)}");
            }

            return expr;
        }

        private Token Peek() => tokens[_next];

        private Token Next() => tokens[_next < tokens.Count - 1 ? _next++ : _next];

        private static bool IsKeyword(Token token, string keyword) =>
            token.Kind == T.Identifier && string.Equals(token.Text, keyword, StringComparison.OrdinalIgnoreCase);

        private PromQlParseException Fail(Token at, string reason) => Error(text, at.Position, reason);

        private static string Describe(Token token) => token.Kind switch
        {
            T.Eof => "end of input",
            T.Identifier => $"identifier \"{token.Text}\"",
            T.Number => $"number \"{token.Text}\"",
            T.Duration => $"duration \"{token.Text}\"",
            T.String => "string",
            _ => $"\"{token.Text}\"",
        };

        private PromQlExpr ParseExpr(int minPrecedence)
        {
            var left = ParseUnary();
            while (true)
            {
                var opToken = Peek();
                if (!TryBinaryOp(opToken, out var op, out var precedence) || precedence < minPrecedence)
                {
                    return left;
                }

                Next();
                var returnBool = false;
                if (IsKeyword(Peek(), "bool"))
                {
                    Next();
                    returnBool = true;
                }

                var cardinality = MatchCardinality.OneToOne;
                var on = false;
                var explicitMatching = false;
                IReadOnlyList<string> matchingLabels = [];
                IReadOnlyList<string> include = [];
                if (IsKeyword(Peek(), "on") || IsKeyword(Peek(), "ignoring"))
                {
                    on = IsKeyword(Next(), "on");
                    explicitMatching = true;
                    matchingLabels = ParseLabelList(on ? "on" : "ignoring");
                    if (IsKeyword(Peek(), "group_left") || IsKeyword(Peek(), "group_right"))
                    {
                        cardinality = IsKeyword(Next(), "group_left") ? MatchCardinality.ManyToOne : MatchCardinality.OneToMany;
                        if (Peek().Kind == T.LParen)
                        {
                            include = ParseLabelList(cardinality == MatchCardinality.ManyToOne ? "group_left" : "group_right");
                        }
                    }
                }
                else if (IsKeyword(Peek(), "group_left") || IsKeyword(Peek(), "group_right"))
                {
                    throw Fail(Peek(), $"{Peek().Text.ToLowerInvariant()} must follow on(...) or ignoring(...)");
                }

                // Precedence climbing: ^ is right-associative, everything else left-associative.
                var right = ParseExpr(op == BinaryOp.Pow ? precedence : precedence + 1);
                left = Binary(op, left, right, returnBool, cardinality, on, explicitMatching, matchingLabels, include, opToken);
            }
        }

        private bool TryBinaryOp(Token token, out BinaryOp op, out int precedence)
        {
            (op, precedence) = token.Kind switch
            {
                T.Add => (BinaryOp.Add, AddPrecedence),
                T.Sub => (BinaryOp.Sub, AddPrecedence),
                T.Mul => (BinaryOp.Mul, MulPrecedence),
                T.Div => (BinaryOp.Div, MulPrecedence),
                T.Mod => (BinaryOp.Mod, MulPrecedence),
                T.Pow => (BinaryOp.Pow, PowPrecedence),
                T.Eql => (BinaryOp.Eql, ComparisonPrecedence),
                T.Neq => (BinaryOp.Neq, ComparisonPrecedence),
                T.Gtr => (BinaryOp.Gtr, ComparisonPrecedence),
                T.Lss => (BinaryOp.Lss, ComparisonPrecedence),
                T.Gte => (BinaryOp.Gte, ComparisonPrecedence),
                T.Lte => (BinaryOp.Lte, ComparisonPrecedence),
                _ when IsKeyword(token, "and") => (BinaryOp.And, AndPrecedence),
                _ when IsKeyword(token, "unless") => (BinaryOp.Unless, AndPrecedence),
                _ when IsKeyword(token, "or") => (BinaryOp.Or, OrPrecedence),
                _ when IsKeyword(token, "atan2") => throw Fail(token, "the atan2 operator is not in the console's PromQL subset"),
                _ => (BinaryOp.Add, -1),
            };
            return precedence >= 0;
        }

        private BinaryExpr Binary(
            BinaryOp op, PromQlExpr left, PromQlExpr right, bool returnBool, MatchCardinality cardinality, bool on, bool explicitMatching,
            IReadOnlyList<string> matchingLabels, IReadOnlyList<string> include, Token opToken)
        {
            var comparison = op is BinaryOp.Eql or BinaryOp.Neq or BinaryOp.Gtr or BinaryOp.Lss or BinaryOp.Gte or BinaryOp.Lte;
            var setOperation = op is BinaryOp.And or BinaryOp.Or or BinaryOp.Unless;
            var opName = BinaryExpr.OpText(op);
            if (returnBool && !comparison)
            {
                throw Fail(opToken, "bool modifier can only be used on comparison operators");
            }

            if (comparison && !returnBool && left.Type == PromQlType.Scalar && right.Type == PromQlType.Scalar)
            {
                throw Fail(opToken, "comparisons between scalars must use BOOL modifier");
            }

            if (setOperation && cardinality == MatchCardinality.OneToOne)
            {
                cardinality = MatchCardinality.ManyToMany;
            }

            if (on)
            {
                foreach (var label in include)
                {
                    if (matchingLabels.Contains(label, StringComparer.Ordinal))
                    {
                        throw Fail(opToken, $"label \"{label}\" must not occur in ON and GROUP clause at once");
                    }
                }
            }

            foreach (var side in new[] { left, right })
            {
                if (side.Type is not (PromQlType.Scalar or PromQlType.InstantVector))
                {
                    throw Error(text, side.Position, $"binary expression must contain only scalar and instant vector types, got {PromQlExpr.TypeName(side.Type)}");
                }
            }

            var bothVectors = left.Type == PromQlType.InstantVector && right.Type == PromQlType.InstantVector;
            if (!bothVectors && explicitMatching && matchingLabels.Count > 0)
            {
                throw Fail(opToken, "vector matching only allowed between instant vectors");
            }

            if (setOperation && !bothVectors)
            {
                throw Fail(opToken, $"set operator \"{opName}\" not allowed in binary scalar expression");
            }

            if (setOperation && cardinality is MatchCardinality.ManyToOne or MatchCardinality.OneToMany)
            {
                throw Fail(opToken, $"no grouping allowed for \"{opName}\" operation");
            }

            var matching = bothVectors ? new VectorMatching(cardinality, on, matchingLabels, include) : null;
            return new BinaryExpr(op, left, right, returnBool, matching, opToken.Position);
        }

        private PromQlExpr ParseUnary()
        {
            var token = Peek();
            if (token.Kind is not (T.Add or T.Sub))
            {
                return ParsePostfix(ParsePrimary());
            }

            Next();

            // Prometheus gives unary minus the precedence of '*': -a ^ b is -(a ^ b), -a * b is (-a) * b.
            var operand = ParseExpr(PowPrecedence);
            if (operand.Type is not (PromQlType.Scalar or PromQlType.InstantVector))
            {
                throw Fail(token, $"unary expression only allowed on expressions of type scalar or instant vector, got \"{PromQlExpr.TypeName(operand.Type)}\"");
            }

            var negate = token.Kind == T.Sub;
            return operand is NumberLiteral number
                ? new NumberLiteral(negate ? -number.Value : number.Value, token.Position)
                : new UnaryExpr(negate, operand, token.Position);
        }

        private PromQlExpr ParsePostfix(PromQlExpr expr)
        {
            while (true)
            {
                var token = Peek();
                if (token.Kind == T.LBracket)
                {
                    Next();
                    var duration = Next();
                    if (duration.Kind != T.Duration)
                    {
                        throw Fail(duration, $"expected a duration such as 5m in the range selector, got {Describe(duration)}");
                    }

                    if (Peek().Kind == T.Colon)
                    {
                        throw Fail(token, "subqueries are not in the console's PromQL subset");
                    }

                    var close = Next();
                    if (close.Kind != T.RBracket)
                    {
                        throw Fail(close, $"expected ] after the range, got {Describe(close)}");
                    }

                    if (expr is not VectorSelector selector)
                    {
                        throw Fail(token, "ranges only allowed for vector selectors");
                    }

                    expr = new MatrixSelector(selector, TimeSpan.FromMilliseconds(duration.DurationMs), expr.Position);
                }
                else if (IsKeyword(token, "offset"))
                {
                    throw Fail(token, "the offset modifier is not in the console's PromQL subset");
                }
                else if (token.Kind == T.At)
                {
                    throw Fail(token, "the @ modifier is not in the console's PromQL subset");
                }
                else
                {
                    return expr;
                }
            }
        }

        private PromQlExpr ParsePrimary()
        {
            var token = Next();
            switch (token.Kind)
            {
                case T.Number:
                    return new NumberLiteral(token.Number, token.Position);
                case T.String:
                    return new StringLiteral(token.Text, token.Position);
                case T.LParen:
                    var inner = ParseExpr(0);
                    var close = Next();
                    return close.Kind == T.RParen
                        ? new ParenExpr(inner, token.Position)
                        : throw Fail(close, $"expected ) to close the parenthesis at column {LineColumn(text, token.Position).Column}, got {Describe(close)}");
                case T.LBrace:
                    _next--;
                    return ParseSelector(null, token.Position);
                case T.Duration:
                    throw Fail(token, $"unexpected duration \"{token.Text}\": durations belong in a range selector such as [5m]");
                case T.Identifier:
                    return ParseIdentifier(token);
                default:
                    throw Fail(token, $"unexpected {Describe(token)}");
            }
        }

        private PromQlExpr ParseIdentifier(Token token)
        {
            var lower = token.Text.ToLowerInvariant();
            if (lower is "inf" or "nan")
            {
                return new NumberLiteral(lower == "inf" ? double.PositiveInfinity : double.NaN, token.Position);
            }

            if (PromQlFunctions.SupportedAggregations.ContainsKey(lower) || PromQlFunctions.OtherAggregations.Contains(lower))
            {
                return ParseAggregation(token, lower);
            }

            if (Peek().Kind == T.LParen)
            {
                return ParseCall(token);
            }

            if (Keywords.Contains(token.Text))
            {
                throw Fail(token, $"unexpected \"{token.Text}\"");
            }

            return ParseSelector(token.Text, token.Position);
        }

        private AggregateExpr ParseAggregation(Token token, string name)
        {
            if (!PromQlFunctions.SupportedAggregations.TryGetValue(name, out var op))
            {
                throw Fail(token, $"aggregation \"{name}\" is not in the console's PromQL subset");
            }

            IReadOnlyList<string>? grouping = null;
            var without = false;
            if (IsKeyword(Peek(), "by") || IsKeyword(Peek(), "without"))
            {
                without = IsKeyword(Next(), "without");
                grouping = ParseLabelList(without ? "without" : "by");
            }

            if (Peek().Kind != T.LParen)
            {
                throw Fail(Peek(), $"expected ( after aggregation \"{name}\", got {Describe(Peek())}");
            }

            var args = ParseArguments();
            if (grouping is null && (IsKeyword(Peek(), "by") || IsKeyword(Peek(), "without")))
            {
                without = IsKeyword(Next(), "without");
                grouping = ParseLabelList(without ? "without" : "by");
            }

            if (args.Count != 1)
            {
                throw Fail(token, $"wrong number of arguments for aggregate expression provided, expected 1, got {args.Count}");
            }

            if (args[0].Type != PromQlType.InstantVector)
            {
                throw Error(text, args[0].Position, $"expected type instant vector in aggregation expression, got {PromQlExpr.TypeName(args[0].Type)}");
            }

            return new AggregateExpr(op, args[0], grouping ?? [], without, token.Position);
        }

        private CallExpr ParseCall(Token token)
        {
            var name = token.Text;
            if (!PromQlFunctions.Supported.TryGetValue(name, out var function))
            {
                throw Fail(token, PromQlFunctions.OtherPrometheusFunctions.Contains(name)
                    ? $"function \"{name}\" is not in the console's PromQL subset"
                    : $"unknown function with name \"{name}\"");
            }

            var args = ParseArguments();
            var max = function.ArgTypes.Count;
            var min = max - function.OptionalArgs;
            if (args.Count < min || args.Count > max)
            {
                throw Fail(token, function.OptionalArgs == 0
                    ? $"expected {max} argument(s) in call to \"{name}\", got {args.Count}"
                    : args.Count < min
                        ? $"expected at least {min} argument(s) in call to \"{name}\", got {args.Count}"
                        : $"expected at most {max} argument(s) in call to \"{name}\", got {args.Count}");
            }

            for (var i = 0; i < args.Count; i++)
            {
                // Prometheus unwraps parentheses around arguments: absent((up{job="a"})) still knows its matchers.
                while (args[i] is ParenExpr paren)
                {
                    args[i] = paren.Inner;
                }

                if (args[i].Type != function.ArgTypes[i])
                {
                    throw Error(text, args[i].Position, $"expected type {PromQlExpr.TypeName(function.ArgTypes[i])} in call to function \"{name}\", got {PromQlExpr.TypeName(args[i].Type)}");
                }
            }

            return new CallExpr(function, args, token.Position);
        }

        private List<PromQlExpr> ParseArguments()
        {
            var open = Next();
            var args = new List<PromQlExpr>();
            if (Peek().Kind == T.RParen)
            {
                Next();
                return args;
            }

            while (true)
            {
                args.Add(ParseExpr(0));
                var separator = Next();
                if (separator.Kind == T.RParen)
                {
                    return args;
                }

                if (separator.Kind != T.Comma)
                {
                    throw Fail(separator, $"expected , or ) in the argument list opened at column {LineColumn(text, open.Position).Column}, got {Describe(separator)}");
                }

                if (Peek().Kind == T.RParen)
                {
                    Next();
                    return args;
                }
            }
        }

        private List<string> ParseLabelList(string clause)
        {
            var open = Next();
            if (open.Kind != T.LParen)
            {
                throw Fail(open, $"expected ( with label names after {clause}, got {Describe(open)}");
            }

            var labels = new List<string>();
            while (true)
            {
                var token = Next();
                if (token.Kind == T.RParen)
                {
                    return labels;
                }

                labels.Add(LabelName(token, $"in the {clause}(...) list"));
                var separator = Next();
                if (separator.Kind == T.RParen)
                {
                    return labels;
                }

                if (separator.Kind != T.Comma)
                {
                    throw Fail(separator, $"expected , or ) in the {clause}(...) list, got {Describe(separator)}");
                }
            }
        }

        private string LabelName(Token token, string where) =>
            token.Kind == T.Identifier && !token.Text.Contains(':', StringComparison.Ordinal)
                ? token.Text
                : throw Fail(token, $"expected a label name {where}, got {Describe(token)}");

        private VectorSelector ParseSelector(string? metricName, int position)
        {
            var nameMatchers = new List<LabelMatcher>();
            var matchers = new List<LabelMatcher>();
            var anyNonEmpty = metricName is not null;
            if (Peek().Kind == T.LBrace)
            {
                Next();
                while (true)
                {
                    var labelToken = Next();
                    if (labelToken.Kind == T.RBrace)
                    {
                        break;
                    }

                    var label = LabelName(labelToken, "in the selector's braces");
                    var opToken = Next();
                    MatchOp op = opToken.Kind switch
                    {
                        T.Assign => MatchOp.Equal,
                        T.Neq => MatchOp.NotEqual,
                        T.EqlRegex => MatchOp.Regex,
                        T.NeqRegex => MatchOp.NotRegex,
                        _ => throw Fail(opToken, $"expected =, !=, =~ or !~ after label \"{label}\", got {Describe(opToken)}"),
                    };
                    var valueToken = Next();
                    if (valueToken.Kind != T.String)
                    {
                        throw Fail(valueToken, $"expected a quoted value for label \"{label}\", got {Describe(valueToken)}");
                    }

                    LabelMatcher matcher;
                    try
                    {
                        matcher = new LabelMatcher(label, op, valueToken.Text);
                    }
                    catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
                    {
                        throw Fail(valueToken, $"invalid regular expression for label \"{label}\": {ex.Message}");
                    }

                    anyNonEmpty |= !matcher.Matches("");
                    (label == "__name__" ? nameMatchers : matchers).Add(matcher);
                    var separator = Next();
                    if (separator.Kind == T.RBrace)
                    {
                        break;
                    }

                    if (separator.Kind != T.Comma)
                    {
                        throw Fail(separator, $"expected , or }} in the selector's braces, got {Describe(separator)}");
                    }
                }
            }

            if (metricName is not null && nameMatchers.Count > 0)
            {
                throw Error(text, position, $"metric name must not be set twice: \"{metricName}\" or \"{nameMatchers[0].Value}\"");
            }

            if (!anyNonEmpty)
            {
                throw Error(text, position, "vector selector must contain at least one non-empty matcher");
            }

            var byName = nameMatchers.FindIndex(m => m.Op == MatchOp.Equal);
            if (metricName is null && byName >= 0)
            {
                metricName = nameMatchers[byName].Value;
                nameMatchers.RemoveAt(byName);
            }

            return new VectorSelector(metricName, nameMatchers, matchers, position);
        }
    }
}
