using System.Globalization;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Metrics.PromQl;

/// <summary>PromQL's four value types, with the names Prometheus uses in its error messages.</summary>
public enum PromQlType
{
    Scalar,
    InstantVector,
    RangeVector,
    String,
}

public enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eql,
    Neq,
    Gtr,
    Lss,
    Gte,
    Lte,
    And,
    Or,
    Unless,
}

public enum AggregateOp
{
    Sum,
    Avg,
    Min,
    Max,
    Count,
}

/// <summary>Which side of a vector match may have several series per match group.</summary>
public enum MatchCardinality
{
    OneToOne,
    ManyToOne,
    OneToMany,
    ManyToMany,
}

/// <summary>A parsed PromQL expression; <see cref="Position"/> is the 0-based offset of the node in the text.</summary>
public abstract class PromQlExpr(int position)
{
    public int Position { get; } = position;

    public abstract PromQlType Type { get; }

    internal static string TypeName(PromQlType type) => type switch
    {
        PromQlType.Scalar => "scalar",
        PromQlType.InstantVector => "instant vector",
        PromQlType.RangeVector => "range vector",
        _ => "string",
    };
}

public sealed class NumberLiteral(double value, int position) : PromQlExpr(position)
{
    public double Value { get; } = value;

    public override PromQlType Type => PromQlType.Scalar;

    public override string ToString() => Format(Value);

    internal static string Format(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);
}

public sealed class StringLiteral(string value, int position) : PromQlExpr(position)
{
    public string Value { get; } = value;

    public override PromQlType Type => PromQlType.String;

    public override string ToString() => $"\"{LabelMatcher.Escape(Value)}\"";
}

/// <summary>
/// <c>name{label="value", ...}</c>. <see cref="MetricName"/> is the bare name or a <c>__name__="..."</c> matcher;
/// <see cref="NameMatchers"/> are any other <c>__name__</c> matchers (then every metric name is tried).
/// </summary>
public sealed class VectorSelector : PromQlExpr
{
    internal VectorSelector(string? metricName, IReadOnlyList<LabelMatcher> nameMatchers, IReadOnlyList<LabelMatcher> matchers, int position)
        : base(position)
    {
        MetricName = metricName;
        NameMatchers = nameMatchers;
        Matchers = matchers;
        CompiledNameMatchers = [.. nameMatchers.Select(m => new CompiledMatcher(m))];
        CompiledMatchers = [.. matchers.Select(m => new CompiledMatcher(m))];
    }

    public string? MetricName { get; }

    public IReadOnlyList<LabelMatcher> NameMatchers { get; }

    /// <summary>The matchers on labels other than <c>__name__</c>, in the order written.</summary>
    public IReadOnlyList<LabelMatcher> Matchers { get; }

    internal CompiledMatcher[] CompiledNameMatchers { get; }

    internal CompiledMatcher[] CompiledMatchers { get; }

    public override PromQlType Type => PromQlType.InstantVector;

    public override string ToString()
    {
        var all = NameMatchers.Concat(Matchers).Select(m => m.ToString()).ToList();
        return all.Count == 0 ? MetricName ?? "{}" : $"{MetricName}{{{string.Join(", ", all)}}}";
    }
}

/// <summary><c>selector[range]</c>: the samples in the closed interval [t - range, t].</summary>
public sealed class MatrixSelector(VectorSelector selector, TimeSpan range, int position) : PromQlExpr(position)
{
    public VectorSelector Selector { get; } = selector;

    public TimeSpan Range { get; } = range;

    internal long RangeMs { get; } = (long)range.TotalMilliseconds;

    public override PromQlType Type => PromQlType.RangeVector;

    public override string ToString() => $"{Selector}[{FormatDuration(Range)}]";

    internal static string FormatDuration(TimeSpan span)
    {
        var ms = (long)span.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }

        var text = new System.Text.StringBuilder();
        foreach (var (unit, size) in DurationUnits)
        {
            if (ms >= size)
            {
                text.Append(CultureInfo.InvariantCulture, $"{ms / size}{unit}");
                ms %= size;
            }
        }

        return text.ToString();
    }

    internal static readonly (string Unit, long Ms)[] DurationUnits =
        [("y", 365L * 86_400_000), ("w", 7L * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)];
}

public sealed class ParenExpr(PromQlExpr inner, int position) : PromQlExpr(position)
{
    public PromQlExpr Inner { get; } = inner;

    public override PromQlType Type => Inner.Type;

    public override string ToString() => $"({Inner})";
}

/// <summary>Unary minus (or plus) on a scalar or an instant vector; minus drops the metric name.</summary>
public sealed class UnaryExpr(bool negate, PromQlExpr operand, int position) : PromQlExpr(position)
{
    public bool Negate { get; } = negate;

    public PromQlExpr Operand { get; } = operand;

    public override PromQlType Type => Operand.Type;

    public override string ToString() => $"{(Negate ? "-" : "+")}{Operand}";
}

/// <summary>How two vectors' series are paired: <c>on(...)</c> or <c>ignoring(...)</c>, and <c>group_left/right(...)</c>.</summary>
public sealed class VectorMatching
{
    internal VectorMatching(MatchCardinality cardinality, bool on, IReadOnlyList<string> matchingLabels, IReadOnlyList<string> include)
    {
        Cardinality = cardinality;
        On = on;
        MatchingLabels = matchingLabels;
        Include = include;
        SortedMatchingLabels = [.. matchingLabels.Distinct().Order(StringComparer.Ordinal)];
    }

    public MatchCardinality Cardinality { get; }

    /// <summary>True for <c>on(...)</c>, false for <c>ignoring(...)</c> or no clause.</summary>
    public bool On { get; }

    public IReadOnlyList<string> MatchingLabels { get; }

    /// <summary>The labels <c>group_left/right(...)</c> copies from the "one" side.</summary>
    public IReadOnlyList<string> Include { get; }

    internal string[] SortedMatchingLabels { get; }
}

/// <summary><c>lhs op [bool] [on|ignoring(...)] [group_left|group_right(...)] rhs</c>; <see cref="PromQlExpr.Position"/> is the operator's.</summary>
public sealed class BinaryExpr(BinaryOp op, PromQlExpr left, PromQlExpr right, bool returnBool, VectorMatching? matching, int position) : PromQlExpr(position)
{
    public BinaryOp Op { get; } = op;

    public PromQlExpr Left { get; } = left;

    public PromQlExpr Right { get; } = right;

    public bool ReturnBool { get; } = returnBool;

    /// <summary>Null unless both sides are instant vectors.</summary>
    public VectorMatching? Matching { get; } = matching;

    public override PromQlType Type => Left.Type == PromQlType.Scalar && Right.Type == PromQlType.Scalar ? PromQlType.Scalar : PromQlType.InstantVector;

    public bool IsComparison => Op is BinaryOp.Eql or BinaryOp.Neq or BinaryOp.Gtr or BinaryOp.Lss or BinaryOp.Gte or BinaryOp.Lte;

    public bool IsSetOperation => Op is BinaryOp.And or BinaryOp.Or or BinaryOp.Unless;

    /// <summary>Arithmetic drops the metric name, as in Prometheus.</summary>
    internal bool DropsMetricName => Op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div or BinaryOp.Mod or BinaryOp.Pow;

    /// <summary>Fully parenthesized, so tests can read the precedence the parser chose.</summary>
    public override string ToString()
    {
        var modifiers = ReturnBool ? " bool" : "";
        if (Matching is { } m && (m.On || m.MatchingLabels.Count > 0))
        {
            modifiers += $" {(m.On ? "on" : "ignoring")}({string.Join(", ", m.MatchingLabels)})";
        }

        if (Matching?.Cardinality is MatchCardinality.ManyToOne or MatchCardinality.OneToMany)
        {
            modifiers += $" {(Matching.Cardinality == MatchCardinality.ManyToOne ? "group_left" : "group_right")}({string.Join(", ", Matching.Include)})";
        }

        return $"({Left} {OpText(Op)}{modifiers} {Right})";
    }

    internal static string OpText(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Sub => "-",
        BinaryOp.Mul => "*",
        BinaryOp.Div => "/",
        BinaryOp.Mod => "%",
        BinaryOp.Pow => "^",
        BinaryOp.Eql => "==",
        BinaryOp.Neq => "!=",
        BinaryOp.Gtr => ">",
        BinaryOp.Lss => "<",
        BinaryOp.Gte => ">=",
        BinaryOp.Lte => "<=",
        BinaryOp.And => "and",
        BinaryOp.Or => "or",
        _ => "unless",
    };
}

/// <summary><c>sum by (job) (expr)</c> and its kin; <see cref="Grouping"/> is empty for a plain <c>sum(expr)</c>.</summary>
public sealed class AggregateExpr : PromQlExpr
{
    internal AggregateExpr(AggregateOp op, PromQlExpr inner, IReadOnlyList<string> grouping, bool without, int position)
        : base(position)
    {
        Op = op;
        Inner = inner;
        Grouping = grouping;
        Without = without;
        SortedGrouping = [.. grouping.Distinct().Order(StringComparer.Ordinal)];
    }

    public AggregateOp Op { get; }

    public PromQlExpr Inner { get; }

    public IReadOnlyList<string> Grouping { get; }

    public bool Without { get; }

    internal string[] SortedGrouping { get; }

    public override PromQlType Type => PromQlType.InstantVector;

    public override string ToString() =>
        $"{Op.ToString().ToLowerInvariant()}{(Grouping.Count > 0 || Without ? $" {(Without ? "without" : "by")} ({string.Join(", ", Grouping)})" : "")} ({Inner})";
}

public sealed class CallExpr(PromQlFunction function, IReadOnlyList<PromQlExpr> args, int position) : PromQlExpr(position)
{
    public PromQlFunction Function { get; } = function;

    public IReadOnlyList<PromQlExpr> Args { get; } = args;

    public override PromQlType Type => Function.ReturnType;

    public override string ToString() => $"{Function.Name}({string.Join(", ", Args)})";
}

/// <summary>A function of the console's subset: its name, argument types and result type (as Prometheus declares them).</summary>
public sealed record PromQlFunction(string Name, IReadOnlyList<PromQlType> ArgTypes, PromQlType ReturnType, int OptionalArgs = 0);
